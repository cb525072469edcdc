//! The month's cost per day as bars: the panel's one time chart (`components::chart`), so the days
//! sit on a real axis with a money y axis, drawn at the width it is shown, with the same numbers as a
//! table.

use crate::components::chart::{Line, TimeChart, Unit};
use crate::model::billing::{DailyCost, Month};
use crate::model::Money;
use leptos::prelude::*;

const DAY: i64 = 86_400;

#[component]
pub fn DailyChart(month: Month, daily: Vec<DailyCost>, currency_zero: Money) -> impl IntoView {
    let days = month.days() as i64;
    let first = crate::model::Timestamp::parse(&format!("{:04}-{:02}-01T00:00:00Z", month.year, month.month))
        .map(|t| t.unix_ms() / 1000)
        .unwrap_or(0);
    let mut per_day = vec![0i64; days as usize];
    for d in &daily {
        let n = d.day.day_of_month() as i64;
        if (1..=days).contains(&n) {
            per_day[(n - 1) as usize] += d.amount.minor;
        }
    }
    let points = per_day.iter().enumerate().map(|(i, v)| (first + i as i64 * DAY, Some(*v as f64))).collect();
    view! {
        <TimeChart title=format!("Cost per day, {}", month.label()) unit=Unit::Money(currency_zero.currency) bars=true
            from=first to=first + days * DAY lines=vec![Line { name: "Cost", class: "line-a", points }]/>
        <p class="muted">"Bars are days of the month; each shows what that day added to the total (a capped size adds nothing once its cap is reached)."</p>
    }
}
