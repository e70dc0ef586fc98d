//! The API's OpenAPI 3.1 document, generated from the handlers' `#[utoipa::path]` attributes and
//! the request and response types' `ToSchema` derives, and the response bodies that exist only
//! for the API (errors, health, the session list, the outbox).
//!
//! Contract: [`document`] is the document `GET /openapi.json` serves and `rekam api openapi`
//! prints; every operation lists each status its handler, the authentication layer and the
//! framework's rejections can answer, each with a JSON body of its schema. Errors shared by every
//! protected route (401, and the store's 500/503/507) and by every route with a body (400, 413,
//! 415) are added here rather than repeated on each handler. Links feed the ids a response carries
//! (a started session's `id`, a finalized `packet_id`) to the operations that take them.

use serde::Serialize;
use utoipa::openapi::link::LinkBuilder;
use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::response::{Response as OaResponse, ResponseBuilder};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi as Document, Ref, RefOr};
use utoipa::{Modify, OpenApi, ToSchema};

use crate::service::Event;
use crate::workflow::{CaptureSummary, Eligibility, FingerSummary, Stage, Summary};

/// The body of every error answer.
#[derive(Serialize, ToSchema)]
#[schema(as = Error)]
pub struct ErrorBody {
    /// A stable code (`invalid_body`, `not_found`, `wrong_stage`, `session_open`, ...).
    pub error: String,
    /// What is wrong, in words.
    pub message: String,
    /// The dotted path of the field at fault, when one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// With 409 `session_open`: the open session of the same NIK, to resume or abandon.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
}

/// `GET /v1/health`.
#[derive(Serialize, ToSchema)]
pub struct HealthBody {
    /// `ok`, or `unavailable` (with 503) when the store cannot take work.
    #[schema(pattern = "^(ok|unavailable)$")]
    pub status: String,
    /// `ok`, or what is wrong with the store.
    pub store: String,
    /// The agent's version.
    pub version: String,
}

/// One session of `GET /v1/sessions`.
#[derive(Serialize, ToSchema)]
pub struct SessionListItem {
    /// Session id.
    pub id: String,
    /// Where it is.
    #[schema(value_type = Stage)]
    pub stage: String,
}

/// `POST /v1/sessions/{id}/finalize`.
#[derive(Serialize, ToSchema)]
pub struct Finalized {
    /// The sealed packet's id (the enrollment id), for `GET /v1/outbox/{packet_id}`.
    pub packet_id: String,
}

/// `GET /v1/outbox`.
#[derive(Serialize, ToSchema)]
pub struct OutboxCounts {
    /// Waiting to be delivered.
    pub pending: u64,
    /// Acknowledged by the registry.
    pub delivered: u64,
    /// Refused by the registry for good.
    pub rejected: u64,
}

/// `GET /v1/outbox/{packet_id}`.
#[derive(Serialize, ToSchema)]
pub struct OutboxPacket {
    /// The packet.
    pub packet_id: String,
    /// `pending`, `delivered` or `rejected`.
    #[schema(pattern = "^(pending|delivered|rejected)$")]
    pub state: String,
    /// The registry's signed receipt, once delivered.
    pub receipt: Option<serde_json::Value>,
    /// The registry's signed rejection, once refused.
    pub rejection: Option<serde_json::Value>,
    /// The last delivery failure.
    pub last_error: Option<String>,
    /// The packet's bytes were purged after delivery.
    pub purged: bool,
}

/// The generated document's root: every route of [`super::router`].
#[derive(OpenApi)]
#[openapi(
    info(
        title = "rekam local API",
        description = "The enrollment workstation's local API (loopback). Every route but /v1/health and /openapi.json needs `Authorization: Bearer <token>`, an operator's token from `rekam operators token ID`. Errors are JSON `Error` bodies.",
    ),
    paths(
        super::health,
        super::openapi_document,
        super::devices,
        super::list_sessions,
        super::start_session,
        super::get_session,
        super::corrections::correct_applicant,
        super::corrections::abandon,
        super::capture_face,
        super::corrections::clear_face,
        super::approve_face,
        super::capture_signature,
        super::corrections::clear_signature,
        super::capture_finger,
        super::corrections::clear_finger,
        super::finger_exception,
        super::capture_slap,
        super::capture_iris,
        super::corrections::clear_iris,
        super::approval::approve,
        super::finalize,
        super::outbox,
        super::outbox_packet,
        super::events,
    ),
    components(schemas(ErrorBody, Summary, CaptureSummary, FingerSummary, Stage, Eligibility, Event)),
    modifiers(&Common),
)]
struct ApiDoc;

/// Adds the security scheme, the errors every protected or body-taking route can answer, and the
/// links between operations.
struct Common;

/// Routes open without a token.
const OPEN: [&str; 2] = ["/v1/health", "/openapi.json"];

fn error_response(description: &str) -> OaResponse {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Error")))
                .build(),
        )
        .build()
}

fn add_error(op: &mut Operation, status: &str, description: &str) {
    op.responses
        .responses
        .entry(status.to_string())
        .or_insert_with(|| RefOr::T(error_response(description)));
}

fn operations(item: &mut PathItem) -> Vec<&mut Operation> {
    [
        item.get.as_mut(),
        item.post.as_mut(),
        item.put.as_mut(),
        item.delete.as_mut(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// A link from a response to `operation_id`, with the given parameters taken from it.
fn link(
    doc: &mut Document,
    path: &str,
    method: &str,
    status: &str,
    name: &str,
    to: &str,
    params: &[(&str, &str)],
) {
    let Some(item) = doc.paths.paths.get_mut(path) else {
        return;
    };
    let op = match method {
        "get" => item.get.as_mut(),
        "post" => item.post.as_mut(),
        "put" => item.put.as_mut(),
        _ => item.delete.as_mut(),
    };
    let Some(op) = op else { return };
    let Some(RefOr::T(resp)) = op.responses.responses.get_mut(status) else {
        return;
    };
    let mut b = LinkBuilder::new().operation_id(to);
    for (k, v) in params {
        b = b.parameter(*k, serde_json::Value::String((*v).to_string()));
    }
    resp.links.insert(name.to_string(), RefOr::T(b.build()));
}

impl Modify for Common {
    fn modify(&self, doc: &mut Document) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        for (path, item) in doc.paths.paths.iter_mut() {
            let open = OPEN.contains(&path.as_str());
            let has_path_params = path.contains('{');
            for op in operations(item) {
                if open {
                    continue;
                }
                op.security = Some(vec![utoipa::openapi::security::SecurityRequirement::new(
                    "bearer",
                    Vec::<String>::new(),
                )]);
                add_error(
                    op,
                    "401",
                    "No token, or not a live token of an enabled operator",
                );
                add_error(op, "500", "An internal failure");
                add_error(op, "503", "The store is damaged or not writable");
                add_error(op, "507", "The disk is full");
                if op.request_body.is_some() {
                    add_error(op, "400", "The body is not the JSON this route takes");
                    add_error(op, "413", "The body is over the size limit");
                    add_error(op, "415", "The body is not application/json");
                }
                if has_path_params {
                    add_error(op, "400", "A path parameter is not of its form");
                    add_error(op, "404", "No such session or packet");
                }
            }
        }
        // The enrollment's walk: each answer that carries a session leads to the steps that may
        // follow it, with the session's id from the answer.
        let every = [
            "get_session",
            "capture_face",
            "clear_face",
            "approve_face",
            "capture_signature",
            "clear_signature",
            "capture_slap",
            "capture_finger",
            "clear_finger",
            "finger_exception",
            "capture_iris",
            "clear_iris",
            "correct_applicant",
            "approve",
            "finalize",
            "abandon",
        ];
        let fingers = [
            "capture_slap",
            "capture_finger",
            "clear_finger",
            "finger_exception",
            "capture_iris",
            "approve",
            "finalize",
        ];
        let walk: [(&str, &str, &str, &str, &[&str]); 10] = [
            ("/v1/sessions", "post", "201", "/id", &every),
            ("/v1/sessions", "get", "200", "/0/id", &every),
            (
                "/v1/sessions/{id}/face",
                "post",
                "200",
                "/session/id",
                &["capture_face", "approve_face", "clear_face"],
            ),
            (
                "/v1/sessions/{id}/face/approval",
                "post",
                "200",
                "/id",
                &["capture_signature", "clear_face"],
            ),
            (
                "/v1/sessions/{id}/signature",
                "post",
                "200",
                "/id",
                &[
                    "capture_slap",
                    "capture_finger",
                    "finger_exception",
                    "clear_signature",
                ],
            ),
            (
                "/v1/sessions/{id}/slaps/{slap}",
                "post",
                "200",
                "/session/id",
                &fingers,
            ),
            (
                "/v1/sessions/{id}/fingers/{position}",
                "post",
                "200",
                "/session/id",
                &fingers,
            ),
            (
                "/v1/sessions/{id}/fingers/{position}/exception",
                "post",
                "200",
                "/id",
                &fingers,
            ),
            (
                "/v1/sessions/{id}/irises/{eye}",
                "post",
                "200",
                "/session/id",
                &["capture_iris", "clear_iris", "approve", "finalize"],
            ),
            (
                "/v1/sessions/{id}/approval",
                "post",
                "200",
                "/id",
                &["finalize", "get_session"],
            ),
        ];
        for (path, method, status, pointer, targets) in walk {
            let from = format!("$response.body#{pointer}");
            for to in targets {
                link(doc, path, method, status, to, to, &[("id", from.as_str())]);
            }
        }
        link(
            doc,
            "/v1/sessions/{id}/finalize",
            "post",
            "201",
            "GetOutboxPacket",
            "outbox_packet",
            &[("packet_id", "$response.body#/packet_id")],
        );
    }
}

/// The API's OpenAPI document.
pub fn document() -> Document {
    ApiDoc::openapi()
}

/// The document as the JSON `GET /openapi.json` serves.
pub fn json() -> String {
    // A document built from our own types always serializes; an empty object would be caught by
    // the test that compares the served document with this one.
    document().to_pretty_json().unwrap_or_else(|_| "{}".into())
}

/// `GET /v1/devices` items: the schema of `crate::devices::DeviceStatus`, which lives with the
/// device manager (whose module does not depend on the API). A test validates the manager's real
/// output against it.
#[derive(Serialize, ToSchema)]
#[schema(as = DeviceStatus)]
#[allow(dead_code)] // Only its schema is used; the manager serializes its own type.
pub(super) struct DeviceStatusDoc {
    /// The device class.
    #[schema(pattern = "^(fingerprint|camera|signature_pad|iris|printer)$")]
    class: String,
    /// Vendor, model, serial and firmware, once it has been open.
    identity: Option<DeviceIdentityDoc>,
    /// Health.
    health: DeviceHealthDoc,
}

/// A device's identity.
#[derive(Serialize, ToSchema)]
#[schema(as = DeviceIdentity)]
#[allow(dead_code)] // Only its schema is used.
struct DeviceIdentityDoc {
    /// Maker.
    vendor: String,
    /// Model.
    model: String,
    /// Serial number.
    serial: Option<String>,
    /// Firmware.
    firmware: Option<String>,
}

/// How a device is doing.
#[derive(Serialize, ToSchema)]
#[serde(tag = "state", rename_all = "snake_case")]
#[schema(as = DeviceHealth)]
#[allow(dead_code)] // Only its schema is used.
enum DeviceHealthDoc {
    /// Open and idle.
    Ready,
    /// An operation is running.
    Busy,
    /// Not open; it will be (re)opened on next use.
    Disconnected {
        /// Why.
        reason: String,
    },
    /// The last operation failed (the device is still open).
    Faulty {
        /// Why.
        reason: String,
    },
}
