//! The month's cost per day as bars, drawn here as SVG in the page's own colours (so dark mode is
//! just the theme), with the same numbers as a table for screen readers and for anyone who prefers
//! numbers to bars.

use crate::model::billing::{DailyCost, Month};
use crate::model::Money;
use leptos::prelude::*;

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 180.0;
const BOTTOM: f64 = 22.0;

#[component]
pub fn DailyChart(month: Month, daily: Vec<DailyCost>, currency_zero: Money) -> impl IntoView {
    let days = month.days() as usize;
    let mut per_day = vec![0i64; days];
    for d in &daily {
        let n = d.day.day_of_month() as usize;
        if (1..=days).contains(&n) {
            per_day[n - 1] += d.amount.minor;
        }
    }
    let max = per_day.iter().copied().max().unwrap_or(0).max(1) as f64;
    let slot = WIDTH / days as f64;
    let bars: Vec<_> = per_day
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            let h = (v as f64 / max) * (HEIGHT - BOTTOM - 8.0);
            (i, v, slot * i as f64 + slot * 0.15, HEIGHT - BOTTOM - h, slot * 0.7, h)
        })
        .collect();
    let money = move |minor: i64| Money { minor, ..currency_zero }.to_string();
    let peak = per_day.iter().copied().max().unwrap_or(0);
    let total: i64 = per_day.iter().sum();
    let description = format!("{} in {}; the most in one day: {}.", money(total), month.label(), money(peak));
    view! {
        <figure class="chart">
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-labelledby="chart-title chart-desc" preserveAspectRatio="none">
                <title id="chart-title">{format!("Cost per day, {}", month.label())}</title>
                <desc id="chart-desc">{description}</desc>
                <line class="axis" x1="0" y1=HEIGHT - BOTTOM x2=WIDTH y2=HEIGHT - BOTTOM/>
                {bars.into_iter().map(|(i, v, x, y, w, h)| view! {
                    <rect class="bar" x=x y=y width=w height=h.max(if v > 0 { 1.0 } else { 0.0 })>
                        <title>{format!("{} {}: {}", i + 1, month.label(), money(v))}</title>
                    </rect>
                }).collect_view()}
                {[1usize, 8, 15, 22, 29].into_iter().filter(|d| *d <= days).map(|d| view! {
                    <text class="tick" x=slot * (d - 1) as f64 + slot / 2.0 y=HEIGHT - 6.0 text-anchor="middle">{d.to_string()}</text>
                }).collect_view()}
            </svg>
            <figcaption class="muted">"Bars are days of the month; each shows what that day added to the total (a capped size adds nothing once its cap is reached)."</figcaption>
        </figure>
        <details class="chart-table">
            <summary>"Cost per day as a table"</summary>
            <table>
                <caption class="sr-only">{format!("Cost per day, {}", month.label())}</caption>
                <thead><tr><th scope="col">"Day"</th><th scope="col">"Cost"</th></tr></thead>
                <tbody>
                    {per_day.iter().enumerate().filter(|(_, v)| **v > 0).map(|(i, v)| view! {
                        <tr><td>{format!("{:04}-{:02}-{:02}", month.year, month.month, i + 1)}</td><td>{money(*v)}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
        </details>
    }
}
