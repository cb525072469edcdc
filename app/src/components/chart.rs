//! One chart for the panel: a time series (or several) as SVG in the page's own colours (dark mode is
//! the theme), drawn at the width it is shown at (labels stay their size on a phone and on a wide
//! screen), with a y axis of "nice" ticks in SI units, the times in UTC (and the zone's local time,
//! once the browser can say it), gaps shaded where nothing was measured, a readout of the point under
//! the pointer or the keyboard (arrow keys), and the same numbers as a table.

use leptos::prelude::*;

/// What a series' values are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    Percent,
    BitsPerSecond,
    BytesPerSecond,
    PerSecond,
    /// Minor units of a currency, shown as money.
    Money(crate::model::Currency),
}

/// `value` with an SI prefix: "12.3 Mb/s", "850 kB/s", "3.2 IOPS", "45 %".
pub fn si(value: f64, unit: Unit) -> String {
    let (suffix, prefixed) = match unit {
        Unit::Percent => return format!("{} %", trim(value)),
        Unit::Money(c) => return crate::model::Money::new(value.round() as i64, c).to_string(),
        Unit::BitsPerSecond => ("b/s", true),
        Unit::BytesPerSecond => ("B/s", true),
        Unit::PerSecond => ("IOPS", false),
    };
    let prefixes = [("", 1.0), ("k", 1e3), ("M", 1e6), ("G", 1e9), ("T", 1e12)];
    let (p, div) = if prefixed { prefixes.iter().rev().find(|(_, d)| value.abs() >= *d).copied().unwrap_or(("", 1.0)) } else { ("", 1.0) };
    format!("{} {p}{suffix}", trim(value / div))
}

/// Three significant digits at most, no trailing zeros.
fn trim(v: f64) -> String {
    let s = if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    };
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// A "nice" top for an axis whose data reach `max`, and its tick step: 1, 2 or 5 × 10ⁿ, four steps
/// or so.
pub fn nice_axis(max: f64) -> (f64, f64) {
    if !max.is_finite() || max <= 0.0 {
        return (1.0, 0.25);
    }
    let rough = max / 4.0;
    let mag = 10f64.powf(rough.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * mag).find(|s| *s >= rough).unwrap_or(10.0 * mag);
    ((max / step).ceil() * step, step)
}

/// The interval between time labels: the first of the usual ones that gives at most `most` labels.
pub fn time_step(span_secs: i64, most: i64) -> i64 {
    const STEPS: [i64; 11] = [600, 900, 1_800, 3_600, 10_800, 21_600, 43_200, 86_400, 172_800, 432_000, 604_800];
    STEPS.iter().copied().find(|s| span_secs / s <= most.max(1)).unwrap_or(604_800)
}

/// "14:00" within a day's range, "Dec 07" beyond, for unix seconds shifted by `offset_min`.
fn time_label(t: i64, offset_min: i32, long: bool) -> String {
    let s = t + offset_min as i64 * 60;
    let ts = crate::model::Timestamp::from_unix_ms(s * 1000).to_string();
    if long {
        ts[5..10].to_string()
    } else {
        ts[11..16].to_string()
    }
}

/// One line of a chart.
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    pub name: &'static str,
    /// The CSS class that colours it (`line-a`, `line-b`).
    pub class: &'static str,
    pub points: Vec<(i64, Option<f64>)>,
}

const HEIGHT: f64 = 190.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 10.0;
const BOTTOM: f64 = 40.0;

/// The browser's offset from UTC for `zone` now, in minutes ("GMT+9" → 540), if it can say.
fn zone_offset(zone: &str) -> Option<i32> {
    #[cfg(feature = "hydrate")]
    {
        let options = js_sys::Object::new();
        js_sys::Reflect::set(&options, &"timeZone".into(), &zone.into()).ok()?;
        js_sys::Reflect::set(&options, &"timeZoneName".into(), &"shortOffset".into()).ok()?;
        let locales = js_sys::Array::of1(&"en-US".into());
        let format = js_sys::Intl::DateTimeFormat::new(&locales, &options);
        let parts = format.format_to_parts(&js_sys::Date::new_0());
        let name = parts.iter().find_map(|p| {
            let kind = js_sys::Reflect::get(&p, &"type".into()).ok()?.as_string()?;
            (kind == "timeZoneName").then(|| js_sys::Reflect::get(&p, &"value".into()).ok()?.as_string()).flatten()
        })?;
        parse_gmt_offset(&name)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = zone;
        None
    }
}

/// "GMT+9" → 540, "GMT-5:30" → −330, "GMT" → 0.
pub fn parse_gmt_offset(s: &str) -> Option<i32> {
    let rest = s.trim().strip_prefix("GMT")?;
    if rest.is_empty() {
        return Some(0);
    }
    let sign = match rest.chars().next()? {
        '+' => 1,
        '-' => -1,
        _ => return None,
    };
    let (h, m) = rest[1..].split_once(':').unwrap_or((&rest[1..], "0"));
    Some(sign * (h.parse::<i32>().ok()? * 60 + m.parse::<i32>().ok()?))
}

#[component]
pub fn TimeChart(
    /// The chart's name ("CPU"), also its accessible name.
    #[prop(into)]
    title: String,
    /// Bars (one per step, as costs per day) instead of lines.
    #[prop(optional)]
    bars: bool,
    unit: Unit,
    lines: Vec<Line>,
    from: i64,
    to: i64,
    /// Where the instance is, as an IANA zone (its local time is shown beside UTC).
    #[prop(optional)]
    zone: Option<&'static str>,
    /// A fixed top (100 for percentages), else one that fits the data.
    #[prop(optional)]
    top: Option<f64>,
) -> impl IntoView {
    let holder = NodeRef::<leptos::html::Div>::new();
    let width = RwSignal::new(640.0f64);
    let offset = RwSignal::new(None::<i32>);
    let focus = RwSignal::new(None::<usize>);
    // Drawn at the width it is shown at, measured once it is laid out (a frame after it is in the
    // document) and again when the window changes; until then, and on the server, 640.
    // A frame or a resize may come after the chart is gone (its page re-rendered): `try_` reads.
    let measure = move || {
        #[cfg(feature = "hydrate")]
        if let Some(el) = holder.try_get_untracked().flatten() {
            let w = el.client_width() as f64;
            if w > 0.0 {
                width.try_set(w.max(240.0));
            }
        }
    };
    Effect::new(move |_| {
        if holder.get().is_some() {
            request_animation_frame(measure);
        }
        if let Some(z) = zone {
            offset.set(zone_offset(z));
        }
    });
    let resize = window_event_listener(leptos::ev::resize, move |_| measure());
    on_cleanup(move || resize.remove());
    let lines = StoredValue::new(lines);
    let count = lines.with_value(|l| l.first().map(|l| l.points.len()).unwrap_or(0));
    let max = lines.with_value(|ls| ls.iter().flat_map(|l| l.points.iter().filter_map(|p| p.1)).fold(0.0, f64::max));
    let (ymax, ystep) = match top {
        Some(t) => (t, t / 4.0),
        None => nice_axis(max),
    };
    let span = (to - from).max(1);
    let long = span > 86_400;
    let x = move |t: i64, w: f64| LEFT + (t - from) as f64 / span as f64 * (w - LEFT - RIGHT);
    let y = move |v: f64| TOP + (1.0 - (v / ymax).clamp(0.0, 1.0)) * (HEIGHT - TOP - BOTTOM);
    let step_of = lines.with_value(|ls| ls.first().and_then(|l| l.points.get(1).map(|p| p.0 - l.points[0].0)).unwrap_or(60));
    let description = lines.with_value(|ls| {
        ls.iter()
            .map(|l| {
                let vals: Vec<f64> = l.points.iter().filter_map(|p| p.1).collect();
                match vals.iter().copied().reduce(f64::max) {
                    Some(peak) => format!(
                        "{}: at most {}, on average {}.",
                        l.name,
                        si(peak, unit),
                        si(vals.iter().sum::<f64>() / vals.len() as f64, unit)
                    ),
                    None => format!("{}: nothing measured.", l.name),
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    });
    let id: String = title.to_ascii_lowercase().chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
    let title = StoredValue::new(title);
    let key = move |ev: leptos::ev::KeyboardEvent| {
        let n = count;
        if n == 0 {
            return;
        }
        let at = focus.get_untracked().unwrap_or(n - 1);
        let next = match ev.key().as_str() {
            "ArrowLeft" => at.saturating_sub(1),
            "ArrowRight" => (at + 1).min(n - 1),
            "Home" => 0,
            "End" => n - 1,
            _ => return,
        };
        ev.prevent_default();
        focus.set(Some(next));
    };
    let pointer = move |ev: leptos::ev::PointerEvent| {
        let w = width.get_untracked();
        let px = ev.offset_x() as f64;
        if count == 0 || px < LEFT || px > w - RIGHT {
            return;
        }
        let t = from + ((px - LEFT) / (w - LEFT - RIGHT) * span as f64) as i64;
        focus.set(Some((((t - from) / step_of.max(1)) as usize).min(count - 1)));
    };
    let readout = move || {
        let i = focus.get()?;
        lines.with_value(|ls| {
            let t = ls.first()?.points.get(i)?.0;
            let mut when = format!("{} UTC", time_label(t, 0, false));
            if long {
                when = format!("{} {when}", time_label(t, 0, true));
            }
            if let Some(o) = offset.get() {
                when.push_str(&format!(" ({} local)", time_label(t, o, false)));
            }
            let values = ls
                .iter()
                .map(|l| {
                    format!(
                        "{} {}",
                        l.name,
                        l.points.get(i).and_then(|p| p.1).map(|v| si(v, unit)).unwrap_or_else(|| "not measured".into())
                    )
                })
                .collect::<Vec<_>>()
                .join(", ");
            Some(format!("{when}: {values}"))
        })
    };
    view! {
        <figure class="chart time-chart">
            <figcaption class="chart-head">
                <span class="chart-title" id=format!("{id}-title")>{title.get_value()}</span>
                <span class="chart-legend">{lines.with_value(|ls| ls.iter().filter(|_| ls.len() > 1).map(|l| view! {
                    <span class=format!("legend {}", l.class)>{l.name}</span>
                }).collect_view())}</span>
            </figcaption>
            <p class="readout" aria-live="polite">{move || readout().unwrap_or_else(|| "Point at the chart, or focus it and use the arrow keys, to read a value.".into())}</p>
            <div node_ref=holder class="chart-area">
                <svg viewBox=move || format!("0 0 {} {HEIGHT}", width.get()) width=move || width.get() height=HEIGHT role="img" tabindex="0"
                    aria-labelledby=format!("{id}-title {id}-desc") on:keydown=key on:pointermove=pointer
                    on:pointerleave=move |_| focus.set(None)>
                <desc id=format!("{id}-desc")>{description.clone()}</desc>
                {move || {
                    let w = width.get();
                    let o = offset.get();
                    let plot_bottom = HEIGHT - BOTTOM;
                    let tstep = time_step(span, ((w - LEFT - RIGHT) / 90.0).floor() as i64);
                    let first_tick = (from + tstep - 1).div_euclid(tstep) * tstep;
                    let ticks: Vec<i64> = (0..).map(|k| first_tick + k * tstep).take_while(|t| *t <= to).collect();
                    let yticks: Vec<f64> = (0..).map(|k| k as f64 * ystep).take_while(|v| *v <= ymax + ystep / 1000.0).collect();
                    // Runs of steps where nothing was measured, shaded.
                    let gaps: Vec<(f64, f64)> = if bars { vec![] } else { lines.with_value(|ls| {
                        let Some(first) = ls.first() else { return vec![] };
                        let mut out = vec![];
                        let mut start = None;
                        for (i, (t, _)) in first.points.iter().enumerate() {
                            let empty = ls.iter().all(|l| l.points.get(i).is_none_or(|p| p.1.is_none()));
                            match (empty, start) {
                                (true, None) => start = Some(*t),
                                (false, Some(s)) => { out.push((x(s, w), x(*t, w))); start = None; }
                                _ => {}
                            }
                        }
                        if let Some(s) = start { out.push((x(s, w), x(to, w))); }
                        out
                    }) };
                    let paths: Vec<(String, &'static str)> = if bars { vec![] } else { lines.with_value(|ls| ls.iter().map(|l| {
                        let mut d = String::new();
                        let mut pen_up = true;
                        for (t, v) in &l.points {
                            match v {
                                Some(v) => {
                                    let mid = t + step_of / 2;
                                    d.push_str(&format!("{}{:.1},{:.1} ", if pen_up { "M" } else { "L" }, x(mid, w), y(*v)));
                                    pen_up = false;
                                }
                                None => pen_up = true,
                            }
                        }
                        (d, l.class)
                    }).collect()) };
                    let columns: Vec<(f64, f64, f64, String)> = if !bars { vec![] } else { lines.with_value(|ls| ls.first().map(|l| l.points.iter().filter_map(|(t, v)| {
                        let v = (*v)?;
                        let (a, b) = (x(*t, w), x(*t + step_of, w));
                        let top = y(v);
                        Some((a + (b - a) * 0.15, top, (b - a) * 0.7, format!("{}: {}", crate::model::Timestamp::from_unix_ms(t * 1000).day(), si(v, unit))))
                    }).collect()).unwrap_or_default()) };
                    view! {
                            {gaps.into_iter().map(|(a, b)| view! {
                                <rect class="gap" x=a y=TOP width=(b - a).max(1.0) height=plot_bottom - TOP><title>"Stopped, or nothing measured"</title></rect>
                            }).collect_view()}
                            {yticks.into_iter().map(|v| view! {
                                <line class="grid" x1=LEFT y1=y(v) x2=w - RIGHT y2=y(v)/>
                                <text class="tick" x=LEFT - 6.0 y=y(v) + 4.0 text-anchor="end">{si(v, unit)}</text>
                            }).collect_view()}
                            <line class="axis" x1=LEFT y1=plot_bottom x2=w - RIGHT y2=plot_bottom/>
                            {ticks.into_iter().map(|t| view! {
                                <line class="axis" x1=x(t, w) y1=plot_bottom x2=x(t, w) y2=plot_bottom + 4.0/>
                                <text class="tick" x=x(t, w) y=plot_bottom + 16.0 text-anchor="middle">{
                                    if long { time_label(t, 0, true) } else { time_label(t, 0, false) }
                                }</text>
                                {o.map(|o| view! {
                                    <text class="tick local" x=x(t, w) y=plot_bottom + 30.0 text-anchor="middle">{time_label(t, o, long && tstep >= 86_400)}</text>
                                })}
                            }).collect_view()}
                            {paths.into_iter().map(|(d, class)| view! { <path class=format!("series {class}") d=d/> }).collect_view()}
                            {columns.into_iter().map(|(bx, by, bw, label)| view! {
                                <rect class="bar" x=bx y=by width=bw.max(1.0) height=(plot_bottom - by).max(1.0)><title>{label}</title></rect>
                            }).collect_view()}
                    }
                }}
                // The readout's marker on its own: moving it redraws one line, not the chart (and
                // the chart keeps the keyboard focus).
                {move || focus.get().and_then(|i| {
                    let w = width.get();
                    lines.with_value(|ls| ls.first().and_then(|l| l.points.get(i)).map(|p| x(p.0 + step_of / 2, w)))
                }).map(|mx| view! { <line class="marker" x1=mx y1=TOP x2=mx y2=HEIGHT - BOTTOM/> })}
                </svg>
            </div>
            <p class="muted chart-note">{if long { "Dates" } else { "Times" }}" in UTC"{move || offset.get().map(|_| "; below them the zone's local time")}"."</p>
            <details class="chart-table">
                <summary>{format!("{} as a table", title.get_value())}</summary>
                <table>
                    <caption class="sr-only">{title.get_value()}</caption>
                    <thead><tr><th scope="col">{if bars { "Day (UTC)" } else { "Time (UTC)" }}</th>{lines.with_value(|ls| ls.iter().map(|l| view! { <th scope="col">{l.name}</th> }).collect_view())}</tr></thead>
                    <tbody>{lines.with_value(|ls| {
                        let n = ls.first().map(|l| l.points.len()).unwrap_or(0);
                        (0..n).filter(|i| ls.iter().any(|l| l.points[*i].1.is_some_and(|v| !bars || v > 0.0))).map(|i| view! {
                            <tr>
                                <td>{if bars { crate::model::Timestamp::from_unix_ms(ls[0].points[i].0 * 1000).day().to_string() } else { crate::model::Timestamp::from_unix_ms(ls[0].points[i].0 * 1000).shown() }}</td>
                                {ls.iter().map(|l| view! { <td>{l.points[i].1.map(|v| si(v, unit)).unwrap_or_else(|| "—".into())}</td> }).collect_view()}
                            </tr>
                        }).collect_view()
                    })}</tbody>
                </table>
            </details>
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_stop_at_nice_numbers() {
        assert_eq!(nice_axis(87.0), (100.0, 50.0));
        assert_eq!(nice_axis(3.2), (4.0, 1.0));
        assert_eq!(nice_axis(1234.0), (1500.0, 500.0));
        assert_eq!(nice_axis(0.0), (1.0, 0.25));
        let (top, step) = nice_axis(7_300_000.0);
        assert!(top >= 7_300_000.0 && top / step <= 5.0, "{top} {step}");
    }

    #[test]
    fn units_take_si_prefixes() {
        assert_eq!(si(12_345_678.0, Unit::BitsPerSecond), "12.3 Mb/s");
        assert_eq!(si(850_000.0, Unit::BytesPerSecond), "850 kB/s");
        assert_eq!(si(999.0, Unit::BytesPerSecond), "999 B/s");
        assert_eq!(si(3.25, Unit::PerSecond), "3.25 IOPS");
        assert_eq!(si(45.0, Unit::Percent), "45 %");
        assert_eq!(si(0.0, Unit::BitsPerSecond), "0 b/s");
    }

    #[test]
    fn time_labels_are_spaced_for_the_width() {
        assert_eq!(time_step(3_600, 6), 600);
        assert_eq!(time_step(86_400, 6), 21_600);
        assert_eq!(time_step(604_800, 6), 172_800);
        assert_eq!(time_step(2_592_000, 6), 432_000);
        assert_eq!(time_step(3_600, 3), 1_800, "a phone shows fewer");
        assert_eq!(parse_gmt_offset("GMT+9"), Some(540));
        assert_eq!(parse_gmt_offset("GMT-5:30"), Some(-330));
        assert_eq!(parse_gmt_offset("GMT"), Some(0));
        assert_eq!(parse_gmt_offset("UTC"), None);
    }
}
