//! `/billing`: a month's statement (the month in progress by default, `?month=YYYY-MM` for others):
//! the total so far and a forecast to the month's end, the cost per day, the cost per instance and
//! size, the rule in plain words, and the CSV downloads.

mod chart;

use crate::api::billing::GetStatement;
use crate::api::codec::{later, Call, Later};
use crate::components::{loaded, Loading, StackTable};
use crate::model::billing::{Month, Statement};
use crate::model::Money;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

/// The rule, as the customer reads it (and as `server::billing::rule` applies it).
pub const RULE: &str = "An instance is billed for every hour it exists, running or stopped: a stopped instance keeps its disk and addresses. \
    Hours of one size in one month are added up and a started hour counts as a whole one. The amount is those hours at the size's hourly price, \
    but never more than the size's monthly cap. Resizing starts a new line at the new size. Prices exclude VAT.";

/// What the page loads, started with the route, before the page's code has arrived.
#[derive(Clone, Copy)]
pub struct BillingData {
    statement: Later<Statement>,
}

impl BillingData {
    pub fn start() -> BillingData {
        let query = use_query_map();
        let month = Memo::new(move |_| query.read().get("month").and_then(|m| Month::parse(&m).ok()));
        BillingData { statement: later(move || Call::to(GetStatement { month: month.get().map(|m| m.to_string()) })) }
    }
}

#[component]
pub fn BillingPage(data: BillingData) -> impl IntoView {
    let statement = data.statement;
    let staff = crate::pages::layout::use_who();
    view! {
        <Title text="Billing"/>
        <h1>"Billing"</h1>
        <Transition fallback=|| view! { <Loading what="Loading your statement…"/> }>
            {move || Suspend::new(async move {
                let me = staff.await.ok();
                let is_staff = me.as_ref().is_some_and(|m| m.role.is_staff() && m.impersonating.is_none());
                if is_staff {
                    return view! { <FinanceExports/> }.into_any();
                }
                loaded(statement.await, |s| view! { <StatementView s/> })
            })}
        </Transition>
        <section class="panel" aria-labelledby="rule-h">
            <h2 id="rule-h">"How billing works"</h2>
            <p>{RULE}</p>
        </section>
    }
}

#[component]
fn StatementView(s: Statement) -> impl IntoView {
    let m = s.month;
    let zero = Money { minor: 0, ..s.total };
    let vat = format!("VAT {}%", s.vat_rate_bp as f64 / 100.0);
    view! {
        <Title text=format!("Billing · {}", m.label())/>
        <nav class="months" aria-label="Months">
            <A href=format!("/billing?month={}", m.previous())>{format!("← {}", m.previous().label())}</A>
            <h2 aria-live="polite">{m.label()}{s.preview.then_some(" (so far)")}</h2>
            {(!s.preview).then(|| view! { <A href=format!("/billing?month={}", m.next())>{format!("{} →", m.next().label())}</A> })}
        </nav>
        <section class="panel totals" aria-labelledby="totals-h">
            <h2 id="totals-h" class="sr-only">"Totals"</h2>
            <dl>
                <dt>{if s.preview { "Month to date" } else { "Total" }}</dt><dd class="big">{s.total.to_string()}</dd>
                {s.forecast.map(|f| view! { <dt>"Forecast to the month's end"</dt><dd>{f.to_string()}</dd> })}
                <dt>"Before VAT"</dt><dd>{s.subtotal.to_string()}</dd>
                <dt>{vat}</dt><dd>{s.vat.to_string()}</dd>
            </dl>
            {s.counted_until.map(|c| view! { <p class="muted">{format!("Usage counted until {}. The cloud reports usage with a delay of up to an hour.", c.shown())}</p> })}
            <p>
                <a class="button" href=format!("/billing/export.csv?month={m}") download="">{format!("Download {} as CSV", m.label())}</a>
            </p>
        </section>
        <section class="panel" aria-labelledby="daily-h">
            <h2 id="daily-h">"Cost per day"</h2>
            <chart::DailyChart month=m daily=s.daily currency_zero=zero/>
        </section>
        <section class="panel" aria-labelledby="lines-h">
            <h2 id="lines-h">"Cost per instance"</h2>
            {if s.lines.is_empty() {
                view! { <p class="muted">"Nothing was used this month."</p> }.into_any()
            } else {
                view! {
                    <StackTable headers=&["Instance", "Zone", "Size", "Hours", "Price per hour", "Monthly cap", "Amount"]>
                        {s.lines.into_iter().map(|l| view! {
                            <tr>
                                <td data-label="Instance">{l.instance_name}</td>
                                <td data-label="Zone">{l.zone}</td>
                                <td data-label="Size">{l.offering}</td>
                                <td data-label="Hours">{l.hours}</td>
                                <td data-label="Price per hour">{l.unit_price.to_string()}</td>
                                <td data-label="Monthly cap">{l.monthly_cap.to_string()}</td>
                                <td data-label="Amount">{l.amount.to_string()}{l.cap_applied.then(|| view! { " " <span class="badge">"cap reached"</span> })}</td>
                            </tr>
                        }).collect_view()}
                    </StackTable>
                }.into_any()
            }}
        </section>
    }
}

/// Staff have no bill of their own: the finance export covers every customer.
#[component]
fn FinanceExports() -> impl IntoView {
    let month = RwSignal::new(String::new());
    view! {
        <section class="panel" aria-labelledby="finance-h">
            <h2 id="finance-h">"Finance export"</h2>
            <p>"Every customer's statement lines for a month, as CSV."</p>
            <form method="get" action="/support/billing/export.csv">
                <label for="finance-month">"Month (YYYY-MM)"</label>
                <input id="finance-month" name="month" type="text" inputmode="numeric" placeholder="2026-12" bind:value=month/>
                {move || (!month.get().is_empty()).then(|| Month::parse(&month.get()).err()).flatten().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
                <button type="submit" class="button primary">"Download"</button>
            </form>
        </section>
    }
}
