//! Supervisor approval of an enrollment with forced captures or finger exceptions.
//!
//! Contract: [`Agent::approve`] is called by the operator at the desk (`by`) once a supervisor
//! proved who they are there (the console's or the API's sign-in, checked by the caller); the
//! supervisor's role must allow approving, else [`ServiceError::NotASupervisor`] and nothing
//! changes. The approval is saved in the session with its audit entry `session.approved` in one
//! transaction: the actor is the supervisor, the detail names the operator at the desk and what
//! was approved. It goes into the packet's capture context at finalize; any later change voids it.

use rekam_protocol::Timestamp;
use serde_json::json;

use super::{Agent, ServiceError};
use crate::operators::Operator;
use crate::workflow::Summary;

impl Agent {
    /// The supervisor `supervisor` approves the session `id` as it is now, at the desk of `by`.
    pub async fn approve(
        &self,
        by: &Operator,
        id: &str,
        supervisor: &Operator,
    ) -> Result<Summary, ServiceError> {
        if !supervisor.role.can_approve() {
            return Err(ServiceError::NotASupervisor {
                id: supervisor.id.clone(),
                role: supervisor.role.as_str(),
            });
        }
        let _desk = self.desk.lock().await;
        let mut session = self.load(id).await?;
        let now = (self.clock)();
        let reasons = session.approve(&supervisor.id, Timestamp::from_unix_ms(now))?;
        let detail = json!({ "operator": by.id, "reasons": reasons });
        self.record(session, supervisor.id.clone(), "session.approved", detail)
            .await
    }
}
