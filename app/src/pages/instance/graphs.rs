//! Graphs: what the instance is doing — CPU, network in and out, disk throughput and operations —
//! over 1 hour to 30 days, one request per range (all four charts from it), with the numbers as
//! tables and as a CSV file.

use crate::api::codec::load;
use crate::api::metrics::get_metrics;
use crate::components::chart::{Line, TimeChart, Unit};
use crate::components::{loaded, percent_encode, Loading};
use crate::model::metrics::{InstanceMetrics, MetricsRange, Point};
use crate::model::InstanceId;
use leptos::prelude::*;

/// The IANA zone of one of the provider's zones, by its name (its local time goes under the axis).
fn zone_of(name: &str) -> Option<&'static str> {
    let n = name.to_ascii_lowercase();
    [
        ("amsterdam", "Europe/Amsterdam"),
        ("barcelona", "Europe/Madrid"),
        ("miami", "America/New_York"),
        ("tokyo", "Asia/Tokyo"),
        ("los angeles", "America/Los_Angeles"),
    ]
    .into_iter()
    .find(|(k, _)| n.contains(k))
    .map(|(_, z)| z)
}

/// The answer as CSV: one row per step, a column per series (empty where nothing was measured).
fn csv(m: &InstanceMetrics) -> String {
    let s = &m.series;
    let cols: [(&str, &Vec<Point>); 7] = [
        ("cpu_percent", &s.cpu_percent),
        ("net_in_bps", &s.net_in_bps),
        ("net_out_bps", &s.net_out_bps),
        ("disk_read_bps", &s.disk_read_bps),
        ("disk_write_bps", &s.disk_write_bps),
        ("disk_read_iops", &s.disk_read_iops),
        ("disk_write_iops", &s.disk_write_iops),
    ];
    let mut out = String::from("time_utc");
    for (name, _) in &cols {
        out.push(',');
        out.push_str(name);
    }
    out.push_str("\r\n");
    for (i, (t, _)) in s.cpu_percent.iter().enumerate() {
        out.push_str(&crate::model::Timestamp::from_unix_ms(t * 1000).to_string());
        for (_, c) in &cols {
            out.push(',');
            if let Some(v) = c.get(i).and_then(|p| p.1) {
                out.push_str(&v.to_string());
            }
        }
        out.push_str("\r\n");
    }
    out
}

#[component]
pub fn GraphsPanel(id: InstanceId, zone_name: String) -> impl IntoView {
    let range = RwSignal::new(MetricsRange::Hour);
    let id = StoredValue::new(id);
    let zone = zone_of(&zone_name);
    let metrics = load(move || (id.get_value().to_string(), range.get()), |(i, r)| get_metrics(i, r.as_str().to_string()));
    view! {
        <section class="panel graphs" aria-labelledby="graphs-h">
            <h2 id="graphs-h">"Graphs"</h2>
            <div class="range-choice" role="radiogroup" aria-label="Range">
                {MetricsRange::ALL.iter().map(|r| {
                    let r = *r;
                    view! {
                        <label class="choice-inline">
                            <input type="radio" name="graph-range" value=r.as_str() prop:checked=move || range.get() == r
                                on:change=move |_| range.set(r)/>
                            {r.label()}
                        </label>
                    }
                }).collect_view()}
            </div>
            <Transition fallback=|| view! { <Loading what="Loading the graphs…"/> }>
                {move || Suspend::new(async move {
                    loaded(metrics.await, move |m| {
                        let (from, to) = (m.from, m.to);
                        let s = m.series.clone();
                        let f = |ps: Vec<Point>| ps.into_iter().map(|(t, v)| (t, v.map(|v| v as f64))).collect::<Vec<_>>();
                        let href = format!("data:text/csv;charset=utf-8,{}", percent_encode(&csv(&m)));
                        let file = format!("{}-{}.csv", id.get_value().as_str(), range.get_untracked().as_str());
                        view! {
                            <TimeChart title="CPU" unit=Unit::Percent top=100.0 from to zone=zone.unwrap_or("UTC")
                                lines=vec![Line { name: "CPU", class: "line-a", points: f(s.cpu_percent) }]/>
                            <TimeChart title="Network" unit=Unit::BitsPerSecond from to zone=zone.unwrap_or("UTC")
                                lines=vec![Line { name: "In", class: "line-a", points: f(s.net_in_bps) }, Line { name: "Out", class: "line-b", points: f(s.net_out_bps) }]/>
                            <TimeChart title="Disk throughput" unit=Unit::BytesPerSecond from to zone=zone.unwrap_or("UTC")
                                lines=vec![Line { name: "Read", class: "line-a", points: f(s.disk_read_bps) }, Line { name: "Write", class: "line-b", points: f(s.disk_write_bps) }]/>
                            <TimeChart title="Disk operations" unit=Unit::PerSecond from to zone=zone.unwrap_or("UTC")
                                lines=vec![Line { name: "Read", class: "line-a", points: f(s.disk_read_iops) }, Line { name: "Write", class: "line-b", points: f(s.disk_write_iops) }]/>
                            <p class="muted">
                                "Each point is the average of its "{(m.step_seconds / 60).to_string()}" minute"{if m.step_seconds == 60 { "" } else { "s" }}
                                "; shaded where the instance was stopped or nothing was measured. "
                                <a href=href download=file>"Download these numbers (CSV)"</a>
                            </p>
                        }
                    })
                })}
            </Transition>
        </section>
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_csv_has_a_row_per_step_and_empty_cells_where_nothing_was_measured() {
        use crate::model::metrics::*;
        let m = InstanceMetrics {
            from: 0,
            to: 120,
            step_seconds: 60,
            source: MetricsSource::History,
            series: Series {
                cpu_percent: vec![(0, Some(12)), (60, None)],
                net_in_bps: vec![(0, Some(8)), (60, None)],
                ..Default::default()
            },
        };
        let text = super::csv(&m);
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(lines[0], "time_utc,cpu_percent,net_in_bps,net_out_bps,disk_read_bps,disk_write_bps,disk_read_iops,disk_write_iops");
        assert_eq!(lines[1], "1970-01-01T00:00:00Z,12,8,,,,,");
        assert_eq!(lines[2], "1970-01-01T00:01:00Z,,,,,,,");
        assert_eq!(super::zone_of("Los Angeles"), Some("America/Los_Angeles"));
    }
}
