//! The card front as it will be printed, for the review and the resident's screen: the fields in
//! the card's order beside the photo on its backdrop and the signature.
//!
//! Contract: built from the recorded demographics only. `GET /desk/{id}/card.svg` is the card
//! crate's front (the photo's card crop on its backdrop, the signature, the fields in the card's
//! order); [`CardView`] is the same data as HTML rows, for screen readers and large type.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rekam_protocol::model::{Applicant, BloodType, Citizenship, MaritalStatus, Religion};
use rekam_protocol::nik::Sex;
use rekam_protocol::print_order::CardText as PrintCardText;

use super::text::{CardText, fill};
use crate::console::ConsoleState;
use crate::console::auth::SignedIn;

/// One printed line: name and value (`indent` for the address's sub-lines).
#[derive(Clone, Debug)]
pub struct CardRow {
    /// Field name as printed.
    pub label: &'static str,
    /// Value as printed.
    pub value: String,
    /// An address sub-line.
    pub indent: bool,
}

/// The card front's data.
#[derive(Clone, Debug)]
pub struct CardView {
    /// "PROVINSI ...".
    pub header: String,
    /// "KABUPATEN/KOTA".
    pub regency: String,
    /// The lines in the card's order.
    pub rows: Vec<CardRow>,
    /// `red`, `blue`, `orange`: the photo's backdrop.
    pub backdrop: &'static str,
    /// The enrollment id (for the photo and signature URLs).
    pub id: String,
    /// Whether a photo is kept.
    pub photo: bool,
    /// Whether the signature is taken.
    pub signature: bool,
}

fn religion(r: Religion) -> &'static str {
    match r {
        Religion::Islam => "ISLAM",
        Religion::Kristen => "KRISTEN",
        Religion::Katolik => "KATOLIK",
        Religion::Hindu => "HINDU",
        Religion::Buddha => "BUDDHA",
        Religion::Khonghucu => "KHONGHUCU",
        Religion::Kepercayaan => "KEPERCAYAAN TERHADAP TUHAN YME",
    }
}

fn marital(m: MaritalStatus) -> &'static str {
    match m {
        MaritalStatus::BelumKawin => "BELUM KAWIN",
        MaritalStatus::Kawin => "KAWIN",
        MaritalStatus::CeraiHidup => "CERAI HIDUP",
        MaritalStatus::CeraiMati => "CERAI MATI",
    }
}

fn blood(b: BloodType) -> String {
    match serde_json::to_value(b) {
        Ok(serde_json::Value::String(s)) if s != "unknown" => s,
        _ => "-".into(),
    }
}

impl CardView {
    /// The card of `a` for enrollment `id`.
    pub fn of(a: &Applicant, id: &str, photo: bool, signature: bool) -> CardView {
        let c = CardText::ID;
        let d = a.date_of_birth;
        let sex = match a.sex {
            Sex::Male => c.laki,
            Sex::Female => c.perempuan,
        };
        let row = |label, value: String| CardRow {
            label,
            value,
            indent: false,
        };
        let sub = |label, value: String| CardRow {
            label,
            value,
            indent: true,
        };
        CardView {
            header: format!("{} {}", c.provinsi, a.address.province.to_uppercase()),
            regency: a.address.regency.to_uppercase(),
            rows: vec![
                row(c.nik, a.nik.to_string()),
                row(c.nama, a.full_name.to_uppercase()),
                row(
                    c.ttl,
                    format!(
                        "{}, {:02}-{:02}-{}",
                        a.place_of_birth.to_uppercase(),
                        d.day(),
                        u8::from(d.month()),
                        d.year()
                    ),
                ),
                row(
                    c.jenis_kelamin,
                    format!("{sex}    {} : {}", c.gol_darah, blood(a.blood_type)),
                ),
                row(c.alamat, a.address.street.to_uppercase()),
                sub(c.rt_rw, format!("{:03}/{:03}", a.address.rt, a.address.rw)),
                sub(c.kel_desa, a.address.village.to_uppercase()),
                sub(c.kecamatan, a.address.district.to_uppercase()),
                row(c.agama, religion(a.religion).into()),
                row(c.status, marital(a.marital_status).into()),
                row(c.pekerjaan, a.occupation.to_uppercase()),
                row(
                    c.kewarganegaraan,
                    match &a.citizenship {
                        Citizenship::Wni => c.wni.to_string(),
                        Citizenship::Wna { country } => fill(c.wna, &[country]),
                    },
                ),
                row(c.berlaku, c.seumur_hidup.into()),
            ],
            backdrop: match super::face::backdrop_of(a) {
                rekam_quality::face::BackgroundColour::Red => "red",
                rekam_quality::face::BackgroundColour::Blue => "blue",
                rekam_quality::face::BackgroundColour::Orange => "orange",
            },
            id: id.to_string(),
            photo,
            signature,
        }
    }
}

/// The card crate's fields of `a`, issued at `issue_date` (DD-MM-YYYY) in the applicant's
/// regency: the protocol's [`PrintCardText::of_applicant`], the same text a print order carries,
/// so the desk preview and the printed card agree.
pub fn fields_of(a: &Applicant, issue_date: &str) -> rekam_card::CardFields {
    card_fields(&PrintCardText::of_applicant(
        a,
        &a.address.regency,
        issue_date,
    ))
}

/// The card crate's fields of a print order's text.
pub fn card_fields(t: &PrintCardText) -> rekam_card::CardFields {
    rekam_card::CardFields {
        province: t.province.clone(),
        regency: t.regency.clone(),
        nik: t.nik.clone(),
        name: t.name.clone(),
        place_of_birth: t.place_of_birth.clone(),
        date_of_birth: t.date_of_birth.clone(),
        sex: t.sex.clone(),
        blood_type: t.blood_type.clone(),
        address: t.address.clone(),
        rt_rw: t.rt_rw.clone(),
        village: t.village.clone(),
        district: t.district.clone(),
        religion: t.religion.clone(),
        marital_status: t.marital_status.clone(),
        occupation: t.occupation.clone(),
        citizenship: t.citizenship.clone(),
        valid_until: t.valid_until.clone(),
        issue_place: t.issue_place.clone(),
        issue_date: t.issue_date.clone(),
    }
}

/// The card front of enrollment `id` as SVG.
async fn front(_me: SignedIn, State(s): State<ConsoleState>, Path(id): Path<String>) -> Response {
    let Ok(Some(session)) = super::load(&s.agent, &id).await else {
        return (StatusCode::NOT_FOUND, "no such enrollment").into_response();
    };
    let today = rekam_protocol::Timestamp::from_unix_ms(
        (s.agent.clock)() + i64::from(s.agent.config.console.utc_offset_minutes) * 60_000,
    )
    .date();
    let issue = format!(
        "{:02}-{:02}-{}",
        today.day(),
        u8::from(today.month()),
        today.year()
    );
    let a = session.applicant.clone();
    let face = session.kept_face().map(|f| f.image.clone());
    let signature = session
        .kept_signature()
        .map(|sig| sig.image.data.bytes().to_vec());
    let made = tokio::task::spawn_blocking(move || -> Result<String, String> {
        let photo = match &face {
            Some(image) => Some(super::photo::card_crop(image)?),
            None => None,
        };
        let signature = match signature {
            Some(png) => rekam_card::Signature::Png(png),
            None => rekam_card::Signature::None,
        };
        let backdrop = rekam_card::Backdrop::for_resident(
            a.date_of_birth.year(),
            matches!(a.citizenship, Citizenship::Wna { .. }),
        );
        rekam_card::render_front(
            &fields_of(&a, &issue),
            photo.as_deref(),
            &signature,
            backdrop,
        )
        .map_err(|e| e.to_string())
    })
    .await;
    match made {
        Ok(Ok(svg)) => (
            [
                (header::CONTENT_TYPE, "image/svg+xml"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            svg,
        )
            .into_response(),
        Ok(Err(e)) => (StatusCode::INTERNAL_SERVER_ERROR, e).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

/// The card's route.
pub fn routes() -> Router<ConsoleState> {
    Router::new().route("/desk/{id}/card.svg", get(front))
}
