//! The job builder: a [`PrintJob`] (card images as the caller sees them) to the commands that
//! print it on a YMCKO ribbon: `Pr;ymcko`, `Ss`, `Sr`, `Db` for Y, M, C (from the colour image),
//! K and O, then `Sv` and the back's panels, then `Se` (guide section 21, "Printing a color card
//! with a 5 Panel Color Ribbon").
//!
//! Contract: pure computation, no I/O; a job that cannot be printed as given (wrong image size,
//! a back side on a simplex printer, colour on a monochrome ribbon) is a [`JobError`], never a
//! silently cropped or dropped panel.
//!
//! Colour: subtractive, Y = 255 - blue, M = 255 - green, C = 255 - red, quantized to the chosen
//! level count. The guide's example downloads `Db;m;2` for the black panel: a typo for `k`.

use super::command::{
    Command, DownloadBitmap, DownloadCompressed, EndSequence, SetRibbon, SideBack, SideFront,
    StartSequence,
};
use super::panel::{Levels, PANEL_HEIGHT, PANEL_PIXELS, PANEL_WIDTH, Panel, compress_mono, pack};
use crate::printer::{CardSide, MonoPanel, PrintJob};

/// Card image width (the long edge, landscape) in pixels.
pub const CARD_WIDTH: u32 = PANEL_HEIGHT as u32;
/// Card image height in pixels.
pub const CARD_HEIGHT: u32 = PANEL_WIDTH as u32;

/// Level count of the colour panels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ColourDepth {
    /// 32 levels, 5 bits (the guide's example).
    #[default]
    L32,
    /// 64 levels, 6 bits.
    L64,
    /// 128 levels, 7 bits.
    L128,
}

impl ColourDepth {
    /// As a level count.
    pub fn levels(self) -> Levels {
        match self {
            ColourDepth::L32 => Levels::L32,
            ColourDepth::L64 => Levels::L64,
            ColourDepth::L128 => Levels::L128,
        }
    }
}

/// Why a job cannot be printed as given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JobError {
    /// An image is not the card's size.
    #[error("the {what} is {width}x{height}; a card is {CARD_WIDTH}x{CARD_HEIGHT} at 300 dpi")]
    WrongSize {
        /// Which image.
        what: &'static str,
        /// Its width.
        width: u32,
        /// Its height.
        height: u32,
    },
    /// A back side for a printer that prints one side.
    #[error("the job has a back side but the printer prints one side only")]
    NotDuplex,
    /// Colour on a ribbon without dye panels.
    #[error("the job has colour but the ribbon is {ribbon:?}, which has no YMC panels")]
    NoColourRibbon {
        /// The ribbon type.
        ribbon: String,
    },
}

/// One command of a job: its header (for messages) and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// Name and parameters, e.g. `Db;y;32`.
    pub header: String,
    /// The bytes to send.
    pub bytes: Vec<u8>,
}

impl Step {
    fn of<C: Command>(command: &C) -> Self {
        Step {
            header: command.header(),
            bytes: command.to_bytes(),
        }
    }
}

/// How a job is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobOptions {
    /// Level count of the colour panels.
    pub depth: ColourDepth,
    /// Whether the printer prints both sides.
    pub duplex: bool,
    /// Send K and O panels run-length encoded (`Dbc`, guide section 4) instead of `Db`.
    pub compress_mono: bool,
}

/// Builds the commands printing `job` with ribbon `ribbon` (as `Rr` reports it).
pub fn build_job(job: &PrintJob, ribbon: &str, options: JobOptions) -> Result<Vec<Step>, JobError> {
    let JobOptions {
        depth,
        duplex,
        compress_mono,
    } = options;
    if job.back.is_some() && !duplex {
        return Err(JobError::NotDuplex);
    }
    let has_colour =
        job.front.colour.is_some() || job.back.as_ref().is_some_and(|b| b.colour.is_some());
    if has_colour && !ribbon.starts_with("ymc") {
        return Err(JobError::NoColourRibbon {
            ribbon: ribbon.to_owned(),
        });
    }
    let mut steps = vec![
        Step::of(&SetRibbon(ribbon.to_owned())),
        Step::of(&StartSequence),
        Step::of(&SideFront),
    ];
    side(&job.front, "front", depth, compress_mono, &mut steps)?;
    if let Some(back) = &job.back {
        steps.push(Step::of(&SideBack));
        side(back, "back", depth, compress_mono, &mut steps)?;
    }
    steps.push(Step::of(&EndSequence));
    Ok(steps)
}

fn side(
    side: &CardSide,
    name: &'static str,
    depth: ColourDepth,
    compress: bool,
    steps: &mut Vec<Step>,
) -> Result<(), JobError> {
    if let Some(colour) = &side.colour {
        let what = if name == "front" {
            "front colour image"
        } else {
            "back colour image"
        };
        check_size(what, colour.width(), colour.height())?;
        let levels = depth.levels();
        let [y, m, c] = colour_panels(colour.pixels(), levels);
        for (panel, values) in [(Panel::Yellow, y), (Panel::Magenta, m), (Panel::Cyan, c)] {
            steps.push(Step::of(&DownloadBitmap {
                panel,
                levels,
                data: pack(&values, levels),
            }));
        }
    }
    for (panel, mono) in [(Panel::Black, &side.black), (Panel::Overlay, &side.overlay)] {
        if let Some(mono) = mono {
            let what = match (name, panel) {
                ("front", Panel::Black) => "front black panel",
                ("front", _) => "front overlay panel",
                (_, Panel::Black) => "back black panel",
                _ => "back overlay panel",
            };
            check_size(what, mono.size().width, mono.size().height)?;
            let packed = pack(&mono_panel(mono), Levels::Two);
            if compress {
                steps.push(Step::of(&DownloadCompressed {
                    panel,
                    levels: Levels::Two,
                    first_line: 0,
                    data: compress_mono(&packed),
                }));
            } else {
                steps.push(Step::of(&DownloadBitmap {
                    panel,
                    levels: Levels::Two,
                    data: packed,
                }));
            }
        }
    }
    Ok(())
}

fn check_size(what: &'static str, width: u32, height: u32) -> Result<(), JobError> {
    if (width, height) == (CARD_WIDTH, CARD_HEIGHT) {
        Ok(())
    } else {
        Err(JobError::WrongSize {
            what,
            width,
            height,
        })
    }
}

/// Y, M and C level values in panel order from landscape RGB pixels of the card's size.
fn colour_panels(rgb: &[u8], levels: Levels) -> [Vec<u8>; 3] {
    // A lookup table spares a division per sample.
    let mut table = [0u8; 256];
    for (amount, slot) in table.iter_mut().enumerate() {
        *slot = levels.quantize(255 - amount as u8);
    }
    let mut y = vec![0u8; PANEL_PIXELS];
    let mut m = vec![0u8; PANEL_PIXELS];
    let mut c = vec![0u8; PANEL_PIXELS];
    let width = CARD_WIDTH as usize;
    // Panel row r is card column x = r; panel column c is card row 647 - c (panel::panel_index).
    for row in 0..PANEL_HEIGHT {
        for col in 0..PANEL_WIDTH {
            let y_card = PANEL_WIDTH - 1 - col;
            let src = (y_card * width + row) * 3;
            let dst = row * PANEL_WIDTH + col;
            c[dst] = table[usize::from(rgb[src])];
            m[dst] = table[usize::from(rgb[src + 1])];
            y[dst] = table[usize::from(rgb[src + 2])];
        }
    }
    [y, m, c]
}

/// 0/1 values in panel order from a landscape mono panel of the card's size.
fn mono_panel(mono: &MonoPanel) -> Vec<u8> {
    let dots = mono.dots();
    let width = CARD_WIDTH as usize;
    let mut out = vec![0u8; PANEL_PIXELS];
    for row in 0..PANEL_HEIGHT {
        for col in 0..PANEL_WIDTH {
            let y_card = PANEL_WIDTH - 1 - col;
            out[row * PANEL_WIDTH + col] = u8::from(dots[y_card * width + row]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evolis::panel::{panel_index, unpack};
    use crate::identity::ImageSize;
    use crate::image::RgbImage;

    const CARD: ImageSize = ImageSize {
        width: CARD_WIDTH,
        height: CARD_HEIGHT,
    };

    fn opts(duplex: bool) -> JobOptions {
        JobOptions {
            depth: ColourDepth::L32,
            duplex,
            compress_mono: false,
        }
    }

    fn red_card() -> RgbImage {
        let pixels = [255u8, 0, 0].repeat(CARD_WIDTH as usize * CARD_HEIGHT as usize);
        RgbImage::new(CARD_WIDTH, CARD_HEIGHT, pixels).unwrap()
    }

    #[test]
    fn a_ymcko_front_and_k_back_job_is_the_guides_sequence() {
        let mut dots = vec![false; CARD_WIDTH as usize * CARD_HEIGHT as usize];
        dots[0] = true; // top-left card pixel
        let job = PrintJob {
            front: CardSide {
                colour: Some(red_card()),
                black: Some(MonoPanel::new(CARD, dots.clone()).unwrap()),
                overlay: Some(MonoPanel::new(CARD, vec![true; dots.len()]).unwrap()),
            },
            back: Some(CardSide {
                black: Some(MonoPanel::new(CARD, dots).unwrap()),
                ..CardSide::default()
            }),
        };
        let steps = build_job(&job, "ymcko", opts(true)).unwrap();
        let headers: Vec<&str> = steps.iter().map(|s| s.header.as_str()).collect();
        assert_eq!(
            headers,
            [
                "Pr;ymcko", "Ss", "Sr", "Db;y;32", "Db;m;32", "Db;c;32", "Db;k;2", "Db;o;2", "Sv",
                "Db;k;2", "Se"
            ]
        );
        // Red is magenta plus yellow, no cyan.
        let data = |i: usize, levels| unpack(&steps[i].bytes[9..steps[i].bytes.len() - 1], levels);
        assert!(data(3, Levels::L32).unwrap().iter().all(|&v| v == 31));
        assert!(data(5, Levels::L32).unwrap().iter().all(|&v| v == 0));
        let k = unpack(&steps[6].bytes[8..steps[6].bytes.len() - 1], Levels::Two).unwrap();
        assert_eq!(k.iter().filter(|&&v| v == 1).count(), 1);
        assert_eq!(k[panel_index(0, 0)], 1);
        assert_eq!(steps[6].bytes.len(), 8 + 82_296 + 1);
    }

    #[test]
    fn a_wrong_sized_image_is_refused_not_cropped() {
        let job = PrintJob {
            front: CardSide {
                colour: Some(RgbImage::new(10, 10, vec![0; 300]).unwrap()),
                ..CardSide::default()
            },
            back: None,
        };
        assert!(matches!(
            build_job(&job, "ymcko", opts(true)),
            Err(JobError::WrongSize { width: 10, .. })
        ));
    }

    #[test]
    fn colour_on_a_black_ribbon_or_a_back_on_simplex_is_refused() {
        let job = PrintJob {
            front: CardSide {
                colour: Some(red_card()),
                ..CardSide::default()
            },
            back: Some(CardSide::default()),
        };
        assert_eq!(
            build_job(&job, "ymcko", opts(false)),
            Err(JobError::NotDuplex)
        );
        assert!(matches!(
            build_job(&job, "kb", opts(true)),
            Err(JobError::NoColourRibbon { .. })
        ));
    }
}
