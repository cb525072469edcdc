use super::{Money, OfferingId, TemplateId, ZoneId};
use serde::{Deserialize, Serialize};

/// A location customers deploy into.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Zone {
    pub id: ZoneId,
    pub name: String,
}

/// The two offering families. The difference is where the disk lives, and customers must understand
/// it before they choose: the words below are what the panel shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    /// CloudStack storage type `local`: the disk is on the host's local SSD.
    Agile,
    /// CloudStack storage type `shared`: the disk is in Ceph, replicated three times.
    Stamina,
}

impl Tier {
    pub fn from_storage_type(storagetype: &str) -> Option<Tier> {
        match storagetype.to_ascii_lowercase().as_str() {
            "local" => Some(Tier::Agile),
            "shared" => Some(Tier::Stamina),
            _ => None,
        }
    }

    /// Its word (`agile`, `stamina`), as stored and on the wire.
    pub fn parse(slug: &str) -> Option<Tier> {
        [Tier::Agile, Tier::Stamina].into_iter().find(|t| t.slug() == slug)
    }

    pub fn label(self) -> &'static str {
        match self {
            Tier::Agile => "Agile",
            Tier::Stamina => "Stamina",
        }
    }

    pub fn slug(self) -> &'static str {
        match self {
            Tier::Agile => "agile",
            Tier::Stamina => "stamina",
        }
    }

    pub fn summary(self) -> &'static str {
        match self {
            Tier::Agile => "Local SSD on the host. Fastest and cheapest, but not replicated: if the host fails, the disk is lost. Keep your own backups.",
            Tier::Stamina => "Ceph storage with three copies on different machines. Survives the loss of a host; the instance restarts elsewhere with its data.",
        }
    }
}

/// A size an instance can have.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Offering {
    pub id: OfferingId,
    pub name: String,
    pub tier: Tier,
    pub cpu: u32,
    pub memory_mb: u32,
    pub disk_gb: u32,
    /// None when the operator has not priced this offering yet.
    pub price_hourly: Option<Money>,
    /// The most an instance of this size costs in a month (the hourly price is capped at this).
    pub price_monthly: Option<Money>,
}

/// An operating system image.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Template {
    pub id: TemplateId,
    pub name: String,
    pub password_enabled: bool,
    pub ssh_key_enabled: bool,
}
