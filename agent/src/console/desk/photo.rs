//! The kept photo as it will be printed (the 3:4 card crop, JPEG) and the signature's picture,
//! for the desk's and the resident's screens.
//!
//! Contract: `GET /desk/{id}/photo.jpg` is the card crop of the kept photo (the crop the face
//! checks place per ISO/IEC 19794-5, moved inside the picture when it reaches out), 404 when no
//! photo is kept; `GET /desk/{id}/signature.png` the signature as recorded. Both only for a
//! signed-in operator (the resident's screen runs in the operator's browser); never cached.

use std::sync::{Mutex, OnceLock};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rekam_protocol::model::{Image, ImageEncoding};
use rekam_quality::face::{Crop, FaceOptions};
use rekam_quality::image::RgbView;

use super::load;
use crate::console::ConsoleState;
use crate::console::auth::SignedIn;

/// The routes of the pictures.
pub fn routes() -> Router<ConsoleState> {
    Router::new()
        .route("/desk/{id}/photo.jpg", get(photo))
        .route("/desk/{id}/signature.png", get(signature))
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "no such picture").into_response()
}

fn picture(mime: &'static str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, mime),
            (header::CACHE_CONTROL, "no-store"),
        ],
        bytes,
    )
        .into_response()
}

/// Cropped photos already made: `(enrollment:image part, JPEG)`.
type Crops = Mutex<Vec<(String, Vec<u8>)>>;

/// Cropped photos already made, by image digest (the crop takes a face detection).
fn cache() -> &'static Crops {
    static C: OnceLock<Crops> = OnceLock::new();
    C.get_or_init(Mutex::default)
}

async fn photo(_me: SignedIn, State(s): State<ConsoleState>, Path(id): Path<String>) -> Response {
    let Ok(Some(session)) = load(&s.agent, &id).await else {
        return not_found();
    };
    let Some(face) = session.kept_face() else {
        return not_found();
    };
    let image = face.image.clone();
    let key = format!("{id}:{}", image.data.part());
    if let Some((_, jpeg)) = cache()
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .iter()
        .find(|(k, _)| *k == key)
    {
        return picture("image/jpeg", jpeg.clone());
    }
    match tokio::task::spawn_blocking(move || card_crop(&image)).await {
        Ok(Ok(jpeg)) => {
            let mut c = cache()
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            c.push((key, jpeg.clone()));
            if c.len() > 4 {
                c.remove(0);
            }
            picture("image/jpeg", jpeg)
        }
        Ok(Err(e)) => (StatusCode::INTERNAL_SERVER_ERROR, e).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

/// RGB pixels of a photo as recorded.
pub fn rgb_of(image: &Image) -> Result<(Vec<u8>, u32, u32), String> {
    let bytes = image.data.bytes();
    match image.encoding {
        ImageEncoding::Jpeg => crate::capture::decode_jpeg(bytes),
        ImageEncoding::Png => {
            let mut dec = png::Decoder::new(bytes);
            dec.set_transformations(png::Transformations::STRIP_16 | png::Transformations::EXPAND);
            let mut reader = dec.read_info().map_err(|e| e.to_string())?;
            let mut buf = vec![0; reader.output_buffer_size()];
            let frame = reader.next_frame(&mut buf).map_err(|e| e.to_string())?;
            let (w, h) = (frame.width, frame.height);
            let n = (w * h) as usize;
            let rgb = match frame.color_type {
                png::ColorType::Rgb => buf[..n * 3].to_vec(),
                png::ColorType::Rgba => buf
                    .chunks_exact(4)
                    .take(n)
                    .flat_map(|p| [p[0], p[1], p[2]])
                    .collect(),
                png::ColorType::Grayscale => buf[..n].iter().flat_map(|&g| [g, g, g]).collect(),
                other => return Err(format!("a {other:?} PNG is not a photo")),
            };
            Ok((rgb, w, h))
        }
        ImageEncoding::Wsq => Err("a WSQ image is not a photo".into()),
    }
}

/// The 3:4 window the face checks place, moved inside the picture (the whole picture's largest
/// 3:4 window when no face is found).
fn window(w: u32, h: u32, placed: Option<Crop>) -> Crop {
    let fit = |c: Crop| {
        let cw = c.width.min(w).min(h * 3 / 4).max(3);
        let ch = (cw * 4 / 3).min(h);
        let x = c.x.clamp(0, i64::from(w - cw.min(w)));
        let y = c.y.clamp(0, i64::from(h - ch.min(h)));
        Crop {
            x,
            y,
            width: cw,
            height: ch,
            inside: true,
        }
    };
    match placed {
        Some(c) => fit(c),
        None => fit(Crop {
            x: 0,
            y: 0,
            width: w,
            height: h,
            inside: true,
        }),
    }
}

/// The card crop of `image` as JPEG.
pub fn card_crop(image: &Image) -> Result<Vec<u8>, String> {
    let (rgb, w, h) = rgb_of(image)?;
    let view = RgbView::new(w, h, &rgb).map_err(|e| e.to_string())?;
    let report =
        rekam_quality::face::assess(&view, &FaceOptions::default()).map_err(|e| e.to_string())?;
    let crop = window(w, h, report.crop);
    let pixels = rekam_quality::face::cut(&view, &crop).map_err(|e| e.to_string())?;
    crate::preview::jpeg::rgb(&pixels, crop.width, crop.height).map_err(|e| e.to_string())
}

async fn signature(
    _me: SignedIn,
    State(s): State<ConsoleState>,
    Path(id): Path<String>,
) -> Response {
    let Ok(Some(session)) = load(&s.agent, &id).await else {
        return not_found();
    };
    match session.kept_signature() {
        Some(sig) => picture("image/png", sig.image.data.bytes().to_vec()),
        None => not_found(),
    }
}
