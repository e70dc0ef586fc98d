//! A fast quality path for live preview frames, and the auto-capture rule fed by it.
//!
//! [`frame`] measures one preview frame from block statistics alone (no minutiae, no filtering):
//! whether a finger is on the platen, how much of the frame its ridged foreground covers, the
//! ridge contrast, the orientation coherence of the ridges, where the finger sits (so the operator
//! can be told to move it) and a cheap 0-100 estimate meant to track NFIQ 2's scale. It is far too
//! crude to replace NFIQ 2 on the captured print; it only decides *when* to capture.
//!
//! [`AutoCapture`] is a small state machine fed one [`FrameQuality`] per frame: it asks for a
//! capture after [`AutoCaptureRule::min_frames`] consecutive good, steady frames, then waits for
//! the finger to be lifted before it can ask again.
//!
//! Contract: pure and allocation-free; the same frame always gives the same result. Any frame is
//! accepted: one smaller than a block simply shows no finger. Blocks are 16 px at 500 ppi and scale
//! with the frame's resolution (a frame declaring 0 ppi is taken as 500 ppi).

use crate::image::GrayImageRef;

/// Block side at 500 ppi: about two ridge periods, enough for a stable orientation.
const BLOCK_500: u32 = 16;
/// A block is foreground when its gray levels vary at least this much (standard deviation)...
const MIN_BLOCK_STD: f64 = 10.0;
/// ...and it is darker on average than this (white platen reads near 255).
const MAX_BLOCK_MEAN: f64 = 235.0;
/// A finger is present when this many blocks are foreground (about 6 mm x 6 mm at 500 ppi)...
const MIN_PRESENT_BLOCKS: u32 = 12;
/// ...and their ridges have at least this mean coherence (sensor noise has almost none).
const MIN_PRESENT_COHERENCE: f64 = 0.2;
// The estimate's constants were fitted by rank correlation with NFIQ 2 over NIST's SFinGe
// examples, blurred and faded versions of them and the 500 ppi prints of NIST's ANSI/NIST samples.
/// Foreground area, in square inches, at which the area term saturates (a full plain print).
const FULL_AREA_SQ_IN: f64 = 0.8;
/// Mean block standard deviation at which the contrast term saturates.
const FULL_CONTRAST: f64 = 30.0;
/// Coherence below which ridges count as no ridges at all (noise, smudge, scars).
const COHERENCE_FLOOR: f64 = 0.2;
/// Scale of the estimate: the best prints reach about NFIQ 2's good range, not 100.
const ESTIMATE_SCALE: f64 = 75.0;

/// What one preview frame shows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FrameQuality {
    /// A ridged finger is on the platen.
    pub present: bool,
    /// Share of the frame's blocks (0..1) dark and varied enough to be print; only meaningful
    /// when `present` (sensor noise, for one, passes this test but has no ridges).
    pub area: f32,
    /// Foreground area in square inches (from the frame's resolution).
    pub area_sq_in: f32,
    /// Mean standard deviation of the gray levels in foreground blocks (0 without foreground).
    pub contrast: f32,
    /// Mean ridge-orientation coherence (0..1) of foreground blocks (0 without foreground).
    pub coherence: f32,
    /// Cheap quality estimate on NFIQ 2's 0-100 scale (0 without a finger).
    pub estimate: u8,
    /// Centre of the foreground in pixels (x, y), `None` without a finger.
    pub centroid: Option<(f32, f32)>,
}

/// One block's gray-level mean and spread and its ridge-orientation coherence.
struct BlockStats {
    mean: f64,
    std: f64,
    coherence: f64,
}

/// Block side in pixels for a frame at `ppi`.
fn block_side(ppi: u16) -> u32 {
    let ppi = if ppi == 0 { 500 } else { u32::from(ppi) };
    ((BLOCK_500 * ppi + 250) / 500).clamp(8, 32)
}

/// Statistics of the `side` x `side` block whose top-left corner is (`x0`, `y0`). Gradients are
/// integer central differences, clamped at the frame's edges.
fn block(
    pixels: &[u8],
    width: usize,
    height: usize,
    x0: usize,
    y0: usize,
    side: usize,
) -> BlockStats {
    let (mut sum, mut sum_sq) = (0u64, 0u64);
    let (mut gxx, mut gyy, mut gxy) = (0i64, 0i64, 0i64);
    for y in y0..y0 + side {
        let row = &pixels[y * width..(y + 1) * width];
        let up = &pixels[y.saturating_sub(1) * width..][..width];
        let down = &pixels[(y + 1).min(height - 1) * width..][..width];
        let (mut rs, mut rss, mut rxx, mut ryy, mut rxy) = (0u32, 0u32, 0i32, 0i32, 0i32);
        for x in x0..x0 + side {
            let p = u32::from(row[x]);
            rs += p;
            rss += p * p;
            let gx = i32::from(row[(x + 1).min(width - 1)]) - i32::from(row[x.saturating_sub(1)]);
            let gy = i32::from(down[x]) - i32::from(up[x]);
            rxx += gx * gx;
            ryy += gy * gy;
            rxy += gx * gy;
        }
        sum += u64::from(rs);
        sum_sq += u64::from(rss);
        gxx += i64::from(rxx);
        gyy += i64::from(ryy);
        gxy += i64::from(rxy);
    }
    let n = (side * side) as f64;
    let mean = sum as f64 / n;
    let var = (sum_sq as f64 / n - mean * mean).max(0.0);
    let energy = (gxx + gyy) as f64;
    let coherence = if energy > 0.0 {
        let d = (gxx - gyy) as f64;
        (d * d + 4.0 * (gxy as f64) * (gxy as f64)).sqrt() / energy
    } else {
        0.0
    };
    BlockStats {
        mean,
        std: var.sqrt(),
        coherence,
    }
}

/// Measures one preview frame.
pub fn frame(image: &GrayImageRef<'_>) -> FrameQuality {
    let (width, height) = (image.width() as usize, image.height() as usize);
    let side = block_side(image.ppi()) as usize;
    let (cols, rows) = (width / side, height / side);
    // Centre the block grid so the unmeasured margin is split evenly.
    let (ox, oy) = ((width - cols * side) / 2, (height - rows * side) / 2);
    let pixels = image.pixels();

    let mut fg = 0u32;
    let (mut std_sum, mut coh_sum, mut cx, mut cy) = (0.0f64, 0.0f64, 0.0f64, 0.0f64);
    for r in 0..rows {
        for c in 0..cols {
            let (x0, y0) = (ox + c * side, oy + r * side);
            let b = block(pixels, width, height, x0, y0, side);
            if b.std >= MIN_BLOCK_STD && b.mean <= MAX_BLOCK_MEAN {
                fg += 1;
                std_sum += b.std;
                coh_sum += b.coherence;
                cx += (x0 + side / 2) as f64;
                cy += (y0 + side / 2) as f64;
            }
        }
    }

    let blocks = (cols * rows) as f64;
    let area = if blocks > 0.0 {
        f64::from(fg) / blocks
    } else {
        0.0
    };
    let ppi = if image.ppi() == 0 {
        500.0
    } else {
        f64::from(image.ppi())
    };
    let area_sq_in = f64::from(fg) * (side * side) as f64 / (ppi * ppi);
    let (contrast, coherence) = if fg > 0 {
        (std_sum / f64::from(fg), coh_sum / f64::from(fg))
    } else {
        (0.0, 0.0)
    };
    let present = fg >= MIN_PRESENT_BLOCKS && coherence >= MIN_PRESENT_COHERENCE;
    let (estimate, centroid) = if present {
        let centroid = ((cx / f64::from(fg)) as f32, (cy / f64::from(fg)) as f32);
        (estimate(area_sq_in, contrast, coherence), Some(centroid))
    } else {
        (0, None)
    };
    FrameQuality {
        present,
        area: area as f32,
        area_sq_in: area_sq_in as f32,
        contrast: contrast as f32,
        coherence: coherence as f32,
        estimate,
        centroid,
    }
}

/// Combines the three measures into NFIQ 2's 0-100 scale. NFIQ 2 rewards mostly how much clear
/// ridge area there is (minutiae counts grow with it) and how well-defined the ridges are; a
/// product makes any one poor term pull the whole estimate down, as it does for NFIQ 2.
fn estimate(area_sq_in: f64, contrast: f64, coherence: f64) -> u8 {
    let area = (area_sq_in / FULL_AREA_SQ_IN).clamp(0.0, 1.0);
    let contrast = (contrast / FULL_CONTRAST).clamp(0.0, 1.0);
    let ridges = ((coherence - COHERENCE_FLOOR) / (1.0 - COHERENCE_FLOOR)).clamp(0.0, 1.0);
    let score = ESTIMATE_SCALE * area.sqrt() * contrast.sqrt() * ridges;
    score.round().clamp(0.0, 100.0) as u8
}

/// When [`AutoCapture`] asks for a capture.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AutoCaptureRule {
    /// Consecutive good, steady frames needed (the capturing frame included).
    pub min_frames: u32,
    /// Least share of the frame covered by ridged foreground (0..1).
    pub min_area: f32,
    /// Least [`FrameQuality::estimate`].
    pub min_estimate: u8,
    /// Most the foreground centre may move between consecutive frames, in pixels.
    pub max_shift_px: f32,
}

impl Default for AutoCaptureRule {
    /// Five frames (about 166 ms at 30 fps) with a quarter of the frame covered, an estimate of
    /// at least 35, moving under 8 px (0.4 mm at 500 ppi) per frame.
    fn default() -> Self {
        Self {
            min_frames: 5,
            min_area: 0.25,
            min_estimate: 35,
            max_shift_px: 8.0,
        }
    }
}

/// Why [`AutoCapture`] is not counting the current frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum WaitReason {
    /// No finger on the platen.
    NoFinger,
    /// The finger covers too little of the frame (press flatter or place it centrally).
    TooSmall {
        /// Share of the frame covered.
        area: f32,
    },
    /// The ridges are too poor (dry, wet, smudged or too light a press).
    LowQuality {
        /// The frame's estimate.
        estimate: u8,
    },
    /// The finger moved since the previous frame.
    Moving {
        /// How far its centre moved, in pixels.
        shift_px: f32,
    },
    /// A capture was just asked for; the finger must be lifted before the next one.
    LiftFinger,
}

/// What to do after a frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Decision {
    /// Keep previewing; the frame did not count.
    Waiting {
        /// Why it did not count.
        reason: WaitReason,
    },
    /// The frame was good and steady; `frames` consecutive ones so far, fewer than needed.
    Steady {
        /// Length of the current run.
        frames: u32,
    },
    /// Capture now: the run reached [`AutoCaptureRule::min_frames`].
    Capture,
}

/// Decides, frame by frame, when to capture (see the module documentation).
#[derive(Debug, Clone, PartialEq)]
pub struct AutoCapture {
    rule: AutoCaptureRule,
    run: u32,
    last_centroid: Option<(f32, f32)>,
    captured: bool,
}

impl AutoCapture {
    /// A fresh state machine following `rule`. A `min_frames` of 0 is taken as 1.
    pub fn new(rule: AutoCaptureRule) -> Self {
        Self {
            rule,
            run: 0,
            last_centroid: None,
            captured: false,
        }
    }

    /// The rule followed.
    pub fn rule(&self) -> &AutoCaptureRule {
        &self.rule
    }

    /// Forgets the run and any capture, as for a new finger.
    pub fn reset(&mut self) {
        self.run = 0;
        self.last_centroid = None;
        self.captured = false;
    }

    /// Feeds the next frame's measures.
    pub fn push(&mut self, q: &FrameQuality) -> Decision {
        let centroid = match (q.present, q.centroid) {
            (true, Some(c)) => c,
            _ => {
                // Lifting the finger re-arms the capture.
                self.reset();
                return Decision::Waiting {
                    reason: WaitReason::NoFinger,
                };
            }
        };
        let previous = self.last_centroid.replace(centroid);
        if self.captured {
            return Decision::Waiting {
                reason: WaitReason::LiftFinger,
            };
        }
        let reason = if q.area < self.rule.min_area {
            Some(WaitReason::TooSmall { area: q.area })
        } else if q.estimate < self.rule.min_estimate {
            Some(WaitReason::LowQuality {
                estimate: q.estimate,
            })
        } else {
            previous.and_then(|(px, py)| {
                let shift_px = (centroid.0 - px).hypot(centroid.1 - py);
                (shift_px > self.rule.max_shift_px).then_some(WaitReason::Moving { shift_px })
            })
        };
        if let Some(reason) = reason {
            self.run = 0;
            return Decision::Waiting { reason };
        }
        self.run += 1;
        if self.run >= self.rule.min_frames.max(1) {
            self.run = 0;
            self.captured = true;
            Decision::Capture
        } else {
            Decision::Steady { frames: self.run }
        }
    }
}
