//! Which driver provisions a mailbox: `directory` (the default) unless its franchise or its
//! domain's plan is configured for the `http` agent.

use std::collections::BTreeSet;
use std::sync::Arc;

use super::http_agent::AgentConfig;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DriverKind {
    Directory,
    Http,
}

/// The configured choice, shared by the API (which seals passwords for the agent) and the
/// worker (which sends the steps).
#[derive(Debug, Clone, Default)]
pub struct DriverSelection {
    /// Franchises (by name) whose mailboxes go through the agent.
    pub http_franchises: BTreeSet<String>,
    /// Exchange plans whose mailboxes go through the agent.
    pub http_plans: BTreeSet<String>,
    /// The agent; required when either list is not empty.
    pub agent: Option<Arc<AgentConfig>>,
}

impl DriverSelection {
    /// `a,b , c` → {a, b, c}.
    pub fn names(list: &str) -> BTreeSet<String> {
        list.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    }

    pub fn driver_for(&self, franchise: &str, plan: &str) -> DriverKind {
        if self.http_franchises.contains(franchise) || self.http_plans.contains(plan) {
            DriverKind::Http
        } else {
            DriverKind::Directory
        }
    }

    /// The agent, if `franchise`/`plan` use it.
    pub fn agent_for(&self, franchise: &str, plan: &str) -> Option<&Arc<AgentConfig>> {
        match self.driver_for(franchise, plan) {
            DriverKind::Http => self.agent.as_ref(),
            DriverKind::Directory => None,
        }
    }

    /// Refuses a selection that names franchises or plans for an agent that is not configured.
    pub fn check(&self) -> Result<(), String> {
        let wanted = !self.http_franchises.is_empty() || !self.http_plans.is_empty();
        if wanted && self.agent.is_none() {
            return Err(
                "http-franchises / http-plans need the agent: set agent-url, agent-secret and agent-key"
                    .into(),
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directory_unless_franchise_or_plan_is_listed() {
        let s = DriverSelection {
            http_franchises: DriverSelection::names("alpha, beta,,"),
            http_plans: DriverSelection::names("hosted"),
            agent: None,
        };
        assert_eq!(s.http_franchises.len(), 2);
        assert_eq!(s.driver_for("alpha", "exchange2010"), DriverKind::Http);
        assert_eq!(s.driver_for("gamma", "hosted"), DriverKind::Http);
        assert_eq!(s.driver_for("gamma", "exchange2010"), DriverKind::Directory);
        assert!(s.check().is_err(), "listed but no agent");
        assert!(DriverSelection::default().check().is_ok());
    }
}
