//! A group's rules as one table: each line one kind of traffic in one direction, with every range it
//! is open to. The IPv4 and IPv6 halves of a rule are one line, and removing it offers both halves.

use crate::components::{ConfirmButton, StackTable};
use crate::model::firewall::{rule_rows, Family, Peer, RuleRow, RuleView};
use crate::model::RuleId;
use leptos::prelude::*;

#[component]
pub fn RulesTable(
    rules: Vec<RuleView>,
    /// Removes the given rules (one half, or both); `None` shows the rules read-only.
    #[prop(optional)]
    remove: Option<Callback<Vec<RuleId>>>,
) -> impl IntoView {
    let rows = rule_rows(&rules);
    if rows.is_empty() {
        return view! { <p class="muted">"No rules: all inbound traffic is blocked, all outbound traffic is allowed."</p> }.into_any();
    }
    view! {
        <StackTable headers=&["Direction", "Traffic", "From / to", "Families"] hidden="Actions">
            {rows.into_iter().map(|row| line(row, remove)).collect_view()}
        </StackTable>
    }
    .into_any()
}

fn line(row: RuleRow, remove: Option<Callback<Vec<RuleId>>>) -> impl IntoView {
    let families = row.families().iter().map(|f| f.label()).collect::<Vec<_>>().join(" + ");
    let ranges = row.members.iter().map(|(_, p)| p.to_string()).collect::<Vec<_>>().join(", ");
    let all: Vec<RuleId> = row.members.iter().map(|(id, _)| id.clone()).collect();
    let label = row.label.clone();
    // Halves by family: a range rule is one family; a group's rule is its own line.
    let halves: Vec<(Family, RuleId)> =
        row.members.iter().filter_map(|(id, p)| if let Peer::Cidr(c) = p { Some((c.family(), id.clone())) } else { None }).collect();
    view! {
        <tr>
            <td data-label="Direction">{row.direction.label()}</td>
            <td data-label="Traffic">{row.label.clone()}</td>
            <td data-label="From / to"><code>{ranges.clone()}</code></td>
            <td data-label="Families">{families}</td>
            <td>{remove.map(|remove| {
                let both = all.clone();
                let dual = halves.len() > 1;
                let alternatives: Vec<(String, Callback<()>)> = if dual {
                    halves.iter().map(|(f, id)| {
                        let one = vec![id.clone()];
                        (format!("Only the {} half", f.label()), Callback::new(move |_| remove.run(one.clone())))
                    }).collect()
                } else {
                    vec![]
                };
                view! {
                    <ConfirmButton label="Remove" key=all.first().map(|i| i.to_string()).unwrap_or_default()
                        confirm=if dual { "Remove both" } else { "Remove" } danger=true disabled=Signal::derive(|| false)
                        warning=if dual { format!("{label} is open for IPv4 and IPv6 ({ranges}).") } else { format!("{label} from {ranges} is removed.") }
                        alternatives
                        on_confirm=Callback::new(move |_| remove.run(both.clone()))/>
                }
            })}</td>
        </tr>
    }
}
