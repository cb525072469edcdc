//! Plain data shared by the browser and the server: values that can only hold valid contents
//! (`Email`, `Hostname`, `NewPassword`, ids), and the shapes the HTTP API returns.
//!
//! No I/O here: this module compiles to wasm, and the same parsers validate a form as the user types
//! and the request when it reaches the server.

pub mod account;
pub mod catalog;
pub mod email;
pub mod hostname;
pub mod ids;
pub mod instance;
pub mod job;
pub mod money;
pub mod password;

pub use account::{Me, Role};
pub use catalog::{Offering, Template, Tier, Zone};
pub use email::Email;
pub use hostname::Hostname;
pub use ids::{EntityId, IdempotencyKey};
pub use instance::{Action, DeployAccepted, Instance, InstanceDetail, InstanceList, InstanceState, ZoneError};
pub use job::{JobStatus, JobView};
pub use money::{Currency, Money};
pub use password::NewPassword;
