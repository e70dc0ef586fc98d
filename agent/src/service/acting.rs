//! Temporary stand-in for the lead's `crate::operators::{Operator, Role}` (same fields and
//! methods, per the console contract), so the service's new signatures compile before the console
//! skeleton lands; replaced by `use crate::operators::{Operator, Role}` at the merge.

/// An operator account, as the service sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operator {
    /// Operator id (recorded in the audit log and the packet).
    pub id: String,
    /// Display name.
    pub name: String,
    /// What they may do.
    pub role: Role,
}

/// Roles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Records enrollments.
    Operator,
    /// Also approves.
    Supervisor,
    /// Devices.
    Technician,
    /// Everything.
    Admin,
}

impl Role {
    /// The role's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Operator => "operator",
            Role::Supervisor => "supervisor",
            Role::Technician => "technician",
            Role::Admin => "admin",
        }
    }

    /// Whether the role may approve forced captures and exceptions.
    pub fn can_approve(self) -> bool {
        matches!(self, Role::Supervisor | Role::Admin)
    }
}

/// Stand-in for the lead's operator lookup: the operator `id` and whether they are enabled.
pub(super) fn operator_record(
    _store: &crate::store::Store,
    id: &str,
) -> Result<Option<(Operator, bool)>, crate::store::StoreError> {
    Ok(Some((
        Operator {
            id: id.to_string(),
            name: id.to_string(),
            role: Role::Operator,
        },
        true,
    )))
}
