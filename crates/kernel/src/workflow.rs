//! Workflows as data: states, transitions, the permission each needs, a guard, and whether a
//! reason is required. [`WorkflowDef::plan`] decides whether a transition may happen; the
//! platform's engine persists it (version check, event, audit) in one transaction.

use std::collections::BTreeSet;

use crate::authz::Permission;
use crate::error::CodeError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReasonRule {
    None,
    Optional,
    Required,
}

/// A guard inspects the record (its context `C`) and says no with a message key.
pub type Guard<C> = fn(&C) -> Result<(), CodeError>;

pub struct TransitionDef<C: 'static> {
    pub name: &'static str,
    pub from: &'static [&'static str],
    pub to: &'static str,
    pub permission: Permission,
    pub reason: ReasonRule,
    pub guard: Option<Guard<C>>,
}

pub struct WorkflowDef<C: 'static> {
    /// Stable name, stored with every event (e.g. `org_filing`).
    pub name: &'static str,
    pub states: &'static [&'static str],
    pub initial: &'static str,
    /// States no transition leaves.
    pub terminal: &'static [&'static str],
    pub transitions: &'static [TransitionDef<C>],
}

/// A transition that may be performed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    pub transition: &'static str,
    pub from: &'static str,
    pub to: &'static str,
    pub permission: Permission,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkflowError {
    #[error("unknown transition {0}")]
    UnknownTransition(String),
    #[error("unknown state {0}")]
    UnknownState(String),
    #[error("transition {transition} is not allowed from state {state}")]
    NotAllowedFrom {
        transition: &'static str,
        state: String,
    },
    #[error("permission {0} required")]
    Forbidden(Permission),
    #[error("a reason is required")]
    ReasonRequired,
    #[error("guard refused: {0}")]
    Guard(CodeError),
}

impl<C> WorkflowDef<C> {
    pub fn transition(&self, name: &str) -> Option<&TransitionDef<C>> {
        self.transitions.iter().find(|t| t.name == name)
    }

    fn state(&self, s: &str) -> Option<&'static str> {
        self.states.iter().copied().find(|x| *x == s)
    }

    /// Decide whether `transition` may be performed from `current`. `can` answers whether the
    /// actor holds a permission over this record. Checks run in the order a user should hear
    /// about them: existence, state, permission, reason, guard.
    pub fn plan(
        &self,
        current: &str,
        transition: &str,
        reason: Option<&str>,
        ctx: &C,
        can: impl Fn(Permission) -> bool,
    ) -> Result<Step, WorkflowError> {
        let t = self
            .transition(transition)
            .ok_or_else(|| WorkflowError::UnknownTransition(transition.to_string()))?;
        let from = self
            .state(current)
            .ok_or_else(|| WorkflowError::UnknownState(current.to_string()))?;
        if !t.from.contains(&from) {
            return Err(WorkflowError::NotAllowedFrom {
                transition: t.name,
                state: current.to_string(),
            });
        }
        if !can(t.permission) {
            return Err(WorkflowError::Forbidden(t.permission));
        }
        let has_reason = reason.is_some_and(|r| !r.trim().is_empty());
        if t.reason == ReasonRule::Required && !has_reason {
            return Err(WorkflowError::ReasonRequired);
        }
        if let Some(guard) = t.guard {
            guard(ctx).map_err(WorkflowError::Guard)?;
        }
        Ok(Step {
            transition: t.name,
            from,
            to: t.to,
            permission: t.permission,
        })
    }

    /// Transitions the actor could take from `current` (guards not evaluated), for buttons.
    pub fn available(
        &self,
        current: &str,
        can: impl Fn(Permission) -> bool,
    ) -> Vec<&TransitionDef<C>> {
        self.transitions
            .iter()
            .filter(|t| t.from.contains(&current) && can(t.permission))
            .collect()
    }

    /// Check the definition itself: every named state exists, terminal states have no way out,
    /// every state is reachable from the initial one. Modules call this in a unit test.
    pub fn validate(&self) -> Result<(), String> {
        let states: BTreeSet<&str> = self.states.iter().copied().collect();
        if states.len() != self.states.len() {
            return Err(format!("{}: duplicate state", self.name));
        }
        if !states.contains(self.initial) {
            return Err(format!(
                "{}: initial state {} unknown",
                self.name, self.initial
            ));
        }
        let mut names = BTreeSet::new();
        for t in self.transitions {
            if !names.insert(t.name) {
                return Err(format!("{}: duplicate transition {}", self.name, t.name));
            }
            if !states.contains(t.to) {
                return Err(format!(
                    "{}: {} goes to unknown {}",
                    self.name, t.name, t.to
                ));
            }
            for f in t.from {
                if !states.contains(f) {
                    return Err(format!("{}: {} from unknown {}", self.name, t.name, f));
                }
                if self.terminal.contains(f) {
                    return Err(format!("{}: {} leaves terminal {}", self.name, t.name, f));
                }
            }
        }
        let mut reached = BTreeSet::from([self.initial]);
        loop {
            let before = reached.len();
            for t in self.transitions {
                if t.from.iter().any(|f| reached.contains(f)) {
                    reached.insert(t.to);
                }
            }
            if reached.len() == before {
                break;
            }
        }
        if let Some(s) = states.difference(&reached).next() {
            return Err(format!("{}: state {} is unreachable", self.name, s));
        }
        Ok(())
    }
}

/// One transition as data, without its guard (for checks over every workflow).
#[derive(Debug, Clone, Copy)]
pub struct Edge {
    pub name: &'static str,
    pub from: &'static [&'static str],
    pub to: &'static str,
    pub permission: Permission,
    pub reason: ReasonRule,
}

/// A workflow definition whatever its context type, as a module's manifest lists it: the
/// platform validates every one at start-up and checks their permissions are declared.
pub trait Workflow: Sync {
    fn name(&self) -> &'static str;
    fn states(&self) -> &'static [&'static str];
    fn initial(&self) -> &'static str;
    fn terminal(&self) -> &'static [&'static str];
    fn edges(&self) -> Vec<Edge>;
    fn validate(&self) -> Result<(), String>;
}

impl<C: 'static> Workflow for WorkflowDef<C> {
    fn name(&self) -> &'static str {
        self.name
    }
    fn states(&self) -> &'static [&'static str] {
        self.states
    }
    fn initial(&self) -> &'static str {
        self.initial
    }
    fn terminal(&self) -> &'static [&'static str] {
        self.terminal
    }
    fn edges(&self) -> Vec<Edge> {
        self.transitions
            .iter()
            .map(|t| Edge {
                name: t.name,
                from: t.from,
                to: t.to,
                permission: t.permission,
                reason: t.reason,
            })
            .collect()
    }
    fn validate(&self) -> Result<(), String> {
        WorkflowDef::validate(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    struct Doc {
        complete: bool,
    }

    const SUBMIT: Permission = Permission("doc.submit");
    const DECIDE: Permission = Permission("doc.decide");

    fn complete(d: &Doc) -> Result<(), CodeError> {
        if d.complete {
            Ok(())
        } else {
            Err(CodeError::new("doc.incomplete"))
        }
    }

    static FLOW: WorkflowDef<Doc> = WorkflowDef {
        name: "doc",
        states: &["draft", "submitted", "approved", "rejected"],
        initial: "draft",
        terminal: &["approved", "rejected"],
        transitions: &[
            TransitionDef {
                name: "submit",
                from: &["draft"],
                to: "submitted",
                permission: SUBMIT,
                reason: ReasonRule::None,
                guard: Some(complete),
            },
            TransitionDef {
                name: "return",
                from: &["submitted"],
                to: "draft",
                permission: DECIDE,
                reason: ReasonRule::Required,
                guard: None,
            },
            TransitionDef {
                name: "approve",
                from: &["submitted"],
                to: "approved",
                permission: DECIDE,
                reason: ReasonRule::Optional,
                guard: None,
            },
            TransitionDef {
                name: "reject",
                from: &["submitted"],
                to: "rejected",
                permission: DECIDE,
                reason: ReasonRule::Required,
                guard: None,
            },
        ],
    };

    #[test]
    fn definition_is_valid() {
        FLOW.validate().unwrap();
    }

    #[test]
    fn checks_state_permission_reason_guard() {
        let ok = Doc { complete: true };
        let all = |_| true;
        assert_eq!(
            FLOW.plan("draft", "submit", None, &ok, all).unwrap().to,
            "submitted"
        );
        assert!(matches!(
            FLOW.plan("draft", "approve", None, &ok, all),
            Err(WorkflowError::NotAllowedFrom { .. })
        ));
        assert_eq!(
            FLOW.plan("submitted", "approve", None, &ok, |p| p == SUBMIT),
            Err(WorkflowError::Forbidden(DECIDE))
        );
        assert_eq!(
            FLOW.plan("submitted", "reject", Some("  "), &ok, all),
            Err(WorkflowError::ReasonRequired)
        );
        assert!(
            FLOW.plan("submitted", "reject", Some("不符合要求"), &ok, all)
                .is_ok()
        );
        assert_eq!(
            FLOW.plan("draft", "submit", None, &Doc { complete: false }, all),
            Err(WorkflowError::Guard(CodeError::new("doc.incomplete")))
        );
        assert!(matches!(
            FLOW.plan("draft", "fly", None, &ok, all),
            Err(WorkflowError::UnknownTransition(_))
        ));
        assert_eq!(FLOW.available("submitted", |p| p == DECIDE).len(), 3);
        assert!(FLOW.available("submitted", |p| p == SUBMIT).is_empty());
    }

    #[test]
    fn validate_catches_broken_definitions() {
        static BAD: WorkflowDef<()> = WorkflowDef {
            name: "bad",
            states: &["a", "b", "c"],
            initial: "a",
            terminal: &["b"],
            transitions: &[TransitionDef {
                name: "go",
                from: &["a"],
                to: "b",
                permission: Permission("x"),
                reason: ReasonRule::None,
                guard: None,
            }],
        };
        assert!(BAD.validate().unwrap_err().contains("unreachable"));
    }

    proptest! {
        /// Any sequence of attempts keeps the state in the definition, never leaves a terminal
        /// state, and changes the state only through a transition whose checks all passed.
        #[test]
        fn random_sequences_keep_invariants(
            attempts in prop::collection::vec((0usize..5, any::<bool>(), any::<bool>(), any::<bool>()), 0..40)
        ) {
            let names = ["submit", "return", "approve", "reject", "fly"];
            let mut state: &'static str = FLOW.initial;
            for (i, may_decide, with_reason, complete) in attempts {
                let doc = Doc { complete };
                let reason = with_reason.then_some("理由");
                let result = FLOW.plan(state, names[i], reason, &doc, |p| p == SUBMIT || may_decide);
                if let Ok(step) = result {
                    prop_assert_eq!(step.from, state);
                    prop_assert!(!FLOW.terminal.contains(&state));
                    let t = FLOW.transition(step.transition).unwrap();
                    prop_assert!(t.from.contains(&state));
                    if t.permission == DECIDE { prop_assert!(may_decide); }
                    if t.reason == ReasonRule::Required { prop_assert!(with_reason); }
                    if t.guard.is_some() { prop_assert!(complete); }
                    state = step.to;
                }
                prop_assert!(FLOW.states.contains(&state));
            }
        }
    }
}
