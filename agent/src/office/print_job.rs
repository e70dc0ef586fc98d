//! A print order turned into the card printer's job: the front rendered by `rekam-card` at
//! 300 dpi and separated into the colour (YMC), black (K) and overlay (O) panels.
//!
//! Contract: pure (no I/O), deterministic, CPU-bound (tens of milliseconds: call it off the async
//! runtime). The order's content is checked first ([`PrintOrder::validate`]: the photo JPEG, the
//! signature PNG, every text value), so a bad order fails with the field at fault before anything
//! is rendered. Only the front is printed: the e-KTP's back carries no personal data (see
//! `card/LAYOUT.md`), so the job has no back side. The chip is not this module's business.

use rekam_card::{CardError, CardFields, CardInput, RenderedCard, Signature, render_card};
use rekam_drivers::identity::ImageSize;
use rekam_drivers::image::RgbImage;
use rekam_drivers::printer::{CardSide, MonoPanel, PrintJob};
use rekam_protocol::print_order::{Backdrop, CardText, PrintOrder, PrintOrderError};

/// Why an order cannot become a print job.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrintJobError {
    /// The order's content breaks a rule (names the field).
    #[error("print order {order_id}: {source}")]
    Order {
        /// The order.
        order_id: String,
        /// What is wrong.
        source: PrintOrderError,
    },
    /// The card could not be rendered from it.
    #[error("print order {order_id}: {source}")]
    Card {
        /// The order.
        order_id: String,
        /// What is wrong.
        source: CardError,
    },
    /// A rendered panel is not what the printer takes.
    #[error("print order {order_id}: the {panel} panel does not fit the printer: {detail}")]
    Panel {
        /// The order.
        order_id: String,
        /// `colour`, `black` or `overlay`.
        panel: &'static str,
        /// The driver's reason.
        detail: String,
    },
}

/// The card crate's fields from the order's printed text, value for value.
pub fn card_fields(text: &CardText) -> CardFields {
    CardFields {
        province: text.province.clone(),
        regency: text.regency.clone(),
        nik: text.nik.clone(),
        name: text.name.clone(),
        place_of_birth: text.place_of_birth.clone(),
        date_of_birth: text.date_of_birth.clone(),
        sex: text.sex.clone(),
        blood_type: text.blood_type.clone(),
        address: text.address.clone(),
        rt_rw: text.rt_rw.clone(),
        village: text.village.clone(),
        district: text.district.clone(),
        religion: text.religion.clone(),
        marital_status: text.marital_status.clone(),
        occupation: text.occupation.clone(),
        citizenship: text.citizenship.clone(),
        valid_until: text.valid_until.clone(),
        issue_place: text.issue_place.clone(),
        issue_date: text.issue_date.clone(),
    }
}

/// The card crate's backdrop of the protocol's.
pub fn card_backdrop(b: Backdrop) -> rekam_card::Backdrop {
    match b {
        Backdrop::Red => rekam_card::Backdrop::Red,
        Backdrop::Blue => rekam_card::Backdrop::Blue,
        Backdrop::Orange => rekam_card::Backdrop::Orange,
    }
}

/// What the card of `order` is rendered from: its text, photo, signature and backdrop, after
/// checking the order's content.
pub fn card_input_of(order: &PrintOrder) -> Result<CardInput, PrintJobError> {
    let bad = |source| PrintJobError::Order {
        order_id: order.order_id.clone(),
        source,
    };
    order.validate().map_err(bad)?;
    Ok(CardInput {
        fields: card_fields(&order.card),
        photo: Some(order.photo().map_err(bad)?),
        signature: Signature::Png(order.signature_png().map_err(bad)?),
        backdrop: card_backdrop(order.backdrop),
    })
}

/// Renders the card of `order` (image and panels), e.g. to show or save it.
pub fn render_order(order: &PrintOrder) -> Result<RenderedCard, PrintJobError> {
    render_card(&card_input_of(order)?).map_err(|source| PrintJobError::Card {
        order_id: order.order_id.clone(),
        source,
    })
}

/// The printer's job for `order`: the front's three panels, no back.
pub fn print_job(order: &PrintOrder) -> Result<PrintJob, PrintJobError> {
    job_of(&order.order_id, &render_order(order)?)
}

/// The printer's job for `order` on a printer whose panels are `panel` dots: the card as rendered
/// (1016 x 648 at 300 dpi) when the printer takes that, else resampled to the panel, nearest dot
/// (a printer of another resolution, or a small simulated one in tests).
pub fn print_job_for_panel(
    order: &PrintOrder,
    panel: ImageSize,
) -> Result<PrintJob, PrintJobError> {
    let card = render_order(order)?;
    let native = ImageSize {
        width: card.image.width(),
        height: card.image.height(),
    };
    if panel == native {
        return job_of(&order.order_id, &card);
    }
    if panel.width == 0 || panel.height == 0 {
        return Err(PrintJobError::Panel {
            order_id: order.order_id.clone(),
            panel: "colour",
            detail: format!(
                "the printer reports {}x{} panels",
                panel.width, panel.height
            ),
        });
    }
    // Source dot of each destination dot, by the dot's centre.
    let pick = |d: u32, dn: u32, sn: u32| {
        ((u64::from(d) * 2 + 1) * u64::from(sn) / (u64::from(dn) * 2)) as u32
    };
    let map = |x: u32, y: u32| {
        (
            pick(x, panel.width, native.width),
            pick(y, panel.height, native.height),
        )
    };
    let dots = |m: &rekam_card::MonoRaster| -> Vec<bool> {
        (0..panel.height)
            .flat_map(|y| (0..panel.width).map(move |x| (x, y)))
            .map(|(x, y)| {
                let (sx, sy) = map(x, y);
                m.get(sx, sy)
            })
            .collect()
    };
    let colour: Vec<u8> = (0..panel.height)
        .flat_map(|y| (0..panel.width).map(move |x| (x, y)))
        .flat_map(|(x, y)| {
            let (sx, sy) = map(x, y);
            card.panels.colour.get(sx, sy).unwrap_or([255, 255, 255])
        })
        .collect();
    let resampled = RenderedCard {
        image: card.image.clone(),
        panels: rekam_card::Panels {
            colour: rekam_card::RgbRaster::new(panel.width, panel.height, colour).ok_or_else(
                || PrintJobError::Panel {
                    order_id: order.order_id.clone(),
                    panel: "colour",
                    detail: "resampling gave the wrong size".into(),
                },
            )?,
            black: mono_of(&order.order_id, "black", panel, dots(&card.panels.black))?,
            overlay: mono_of(
                &order.order_id,
                "overlay",
                panel,
                dots(&card.panels.overlay),
            )?,
        },
    };
    job_of(&order.order_id, &resampled)
}

fn mono_of(
    order_id: &str,
    name: &'static str,
    panel: ImageSize,
    dots: Vec<bool>,
) -> Result<rekam_card::MonoRaster, PrintJobError> {
    rekam_card::MonoRaster::new(panel.width, panel.height, dots).ok_or_else(|| {
        PrintJobError::Panel {
            order_id: order_id.to_string(),
            panel: name,
            detail: "resampling gave the wrong size".into(),
        }
    })
}

/// The printer's job of an already rendered front.
pub fn job_of(order_id: &str, card: &RenderedCard) -> Result<PrintJob, PrintJobError> {
    let fail = |panel: &'static str| {
        move |e: rekam_drivers::ImageError| PrintJobError::Panel {
            order_id: order_id.to_string(),
            panel,
            detail: e.to_string(),
        }
    };
    let p = &card.panels;
    let mono = |m: &rekam_card::MonoRaster| {
        MonoPanel::new(
            ImageSize {
                width: m.width(),
                height: m.height(),
            },
            m.dots().to_vec(),
        )
    };
    Ok(PrintJob {
        front: CardSide {
            colour: Some(
                RgbImage::new(
                    p.colour.width(),
                    p.colour.height(),
                    p.colour.pixels().to_vec(),
                )
                .map_err(fail("colour"))?,
            ),
            black: Some(mono(&p.black).map_err(fail("black"))?),
            overlay: Some(mono(&p.overlay).map_err(fail("overlay"))?),
        },
        back: None,
    })
}

#[cfg(test)]
mod tests;
