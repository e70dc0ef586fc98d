//! Slap segmentation: splits a four-finger slap or a two-thumb image into single fingertips, each
//! with its ANSI/NIST-ITL finger position code, where it lies, an upright crop at the source
//! resolution and (optionally) that crop's NFIQ 2, plus how many expected fingers were not found
//! and which positions those are when they can be inferred.
//!
//! The approach follows NIST's NFSEG in outline: find the print foreground, take the finger
//! components that have no other print above them (fingertips; lower phalanges lie below their
//! tip), measure each finger's tilt, and keep one fingertip length from the top of each finger.
//! The foreground is found per block (16 px at 500 ppi): gray-level spread, ridge orientation
//! coherence, about as much ink as paper, and a cross-ridge signature with at least three evenly
//! spaced valleys at a ridge period (pen strokes and card text fail the last two). It is cleaned
//! with a morphological opening wide enough to drop what is left of text and specks; side-by-side
//! fingers that touch are split at the valleys of their column profile; print further below a
//! fingertip than a crease gap (0.3 in) is not its lower phalanx. Positions follow from order;
//! with fingers missing, every order-keeping choice of slots is scored by even spacing, missing
//! slots falling on the platen and, for four fingers, the little finger sitting lowest.
//!
//! The lean is measured from the outline of the fingertip's foreground (its principal axis),
//! which is coarse for nearly round tips: on simulated slaps it is within 6 degrees on average.
//!
//! Crops are upright: when a finger leans by more than [`UPRIGHT_BELOW_DEG`] the crop is resampled
//! (bilinear) along the finger's axis; otherwise it is an axis-aligned cut with no resampling.
//! Pixels outside the finger's own foreground (a neighbour's edge, card text) are set to white so
//! that NFIQ 2 scores this finger alone.
//!
//! Contract: pure and deterministic. An image too small to hold a fingertip, or without a usable
//! resolution, is a [`SegmentError`]; an image with no print (blank platen) is a segmentation with
//! no fingers and every position missing. Never panics on any input.

use crate::fingerprint::{self, FingerQualityError};
use crate::image::{GrayImage, GrayImageRef, GrayView, ImageError, Integral};
use crate::nfiq2::Assessment;

/// Block side at 500 ppi.
const BLOCK_500: f64 = 16.0;
/// Crops leaning less than this many degrees are cut axis-aligned, without resampling.
pub const UPRIGHT_BELOW_DEG: f64 = 5.0;
/// Smallest image side accepted, in inches (a fingertip is about 0.6 in wide).
const MIN_SIDE_IN: f64 = 0.5;
/// Foreground blocks vary at least this much (gray-level standard deviation)...
const MIN_STD: f64 = 9.0;
/// ...are darker on average than this...
const MAX_MEAN: f64 = 242.0;
/// ...and their ridges have at least this orientation coherence (noise and smudges have little).
const MIN_COHERENCE: f64 = 0.22;
/// Ridges and valleys share a block about equally; pen strokes, printed text and specks on
/// white paper leave only a small share of the block darker than its mean, a blot a large one.
const MIN_DARK_SHARE: f64 = 0.3;
/// See [`MIN_DARK_SHARE`].
const MAX_DARK_SHARE: f64 = 0.7;
/// Length of the cross-ridge signature, in inches (about five ridge periods).
const SIGNATURE_IN: f64 = 0.1;
/// Shortest and longest ridge period accepted, in inches (5 and 15 px at 500 ppi).
const MIN_PERIOD_IN: f64 = 0.01;
/// See [`MIN_PERIOD_IN`].
const MAX_PERIOD_IN: f64 = 0.03;
/// A finger region covers at least this many square inches.
const MIN_FINGER_SQ_IN: f64 = 0.08;
/// Largest gap between a fingertip and the phalanx below it (the flexion crease), in inches;
/// print further below belongs to something else.
const MAX_CREASE_GAP_IN: f64 = 0.3;
/// Expected finger width (inches) used to split touching fingers and to space positions.
const FINGER_WIDTH_IN: f64 = 0.75;

/// Which placement the image shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SlapKind {
    /// Right index, middle, ring, little (FGP 13): positions 2, 3, 4, 5 from left to right.
    RightFour,
    /// Left index, middle, ring, little (FGP 14): positions 10, 9, 8, 7 from left to right.
    LeftFour,
    /// Both thumbs (FGP 15): left thumb 6 on the image's left, right thumb 1 on its right.
    Thumbs,
}

impl SlapKind {
    /// Position codes (ANSI/NIST-ITL FGP) in image order, left to right, as the hand lies palm
    /// down on the platen.
    pub fn positions(self) -> &'static [u8] {
        match self {
            SlapKind::RightFour => &[2, 3, 4, 5],
            SlapKind::LeftFour => &[10, 9, 8, 7],
            SlapKind::Thumbs => &[6, 1],
        }
    }

    /// The ANSI/NIST-ITL position code of the whole placement (13, 14 or 15).
    pub fn code(self) -> u8 {
        match self {
            SlapKind::RightFour => 13,
            SlapKind::LeftFour => 14,
            SlapKind::Thumbs => 15,
        }
    }
}

/// How to segment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SegmentOptions {
    /// Fingertip length kept below each finger's top, in inches (index to little finger).
    pub fingertip_in: f64,
    /// Fingertip length kept for thumbs, in inches (a thumb's distal phalanx is longer).
    pub thumb_tip_in: f64,
    /// Score every crop with NFIQ 2.
    pub nfiq2: bool,
}

impl Default for SegmentOptions {
    fn default() -> Self {
        Self {
            fingertip_in: 1.1,
            thumb_tip_in: 1.3,
            nfiq2: true,
        }
    }
}

/// Why an image could not be segmented.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SegmentError {
    /// The resolution is missing or outside what a fingerprint scanner delivers.
    #[error("slap resolution must be 250 to 2000 ppi, got {0} ppi")]
    Resolution(u16),
    /// Too small to hold a fingertip.
    #[error(
        "slap image {width}x{height} is too small: at least {min}x{min} pixels at its resolution"
    )]
    TooSmall {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
        /// Smallest side accepted, in pixels.
        min: u32,
    },
}

/// Why a fingertip crop has no NFIQ 2 score.
#[derive(Debug, thiserror::Error)]
pub enum CropScoreError {
    /// The crop is not a valid image.
    #[error("fingertip crop: {0}")]
    Image(#[from] ImageError),
    /// NFIQ 2 refused the crop (too small, too little print, ...).
    #[error(transparent)]
    Quality(#[from] FingerQualityError),
}

/// An axis-aligned box in source pixels: columns `left..right`, rows `top..bottom`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct BoundingBox {
    /// First column.
    pub left: u32,
    /// First row.
    pub top: u32,
    /// One past the last column.
    pub right: u32,
    /// One past the last row.
    pub bottom: u32,
}

impl BoundingBox {
    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.right.saturating_sub(self.left)
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.bottom.saturating_sub(self.top)
    }

    /// Intersection over union with `other` (0 when either is empty).
    pub fn iou(&self, other: &BoundingBox) -> f64 {
        let w = self
            .right
            .min(other.right)
            .saturating_sub(self.left.max(other.left));
        let h = self
            .bottom
            .min(other.bottom)
            .saturating_sub(self.top.max(other.top));
        let inter = f64::from(w) * f64::from(h);
        let union = f64::from(self.width()) * f64::from(self.height())
            + f64::from(other.width()) * f64::from(other.height())
            - inter;
        if union > 0.0 { inter / union } else { 0.0 }
    }

    /// Whether the point lies inside.
    pub fn contains(&self, x: f64, y: f64) -> bool {
        x >= f64::from(self.left)
            && x < f64::from(self.right)
            && y >= f64::from(self.top)
            && y < f64::from(self.bottom)
    }
}

/// One fingertip found in the slap.
#[derive(Debug)]
pub struct SegmentedFinger {
    /// ANSI/NIST-ITL finger position code (1 right thumb ... 10 left little).
    pub position: u8,
    /// Centre of the fingertip region, source pixels (x, y).
    pub center: (f64, f64),
    /// Lean of the finger from vertical in degrees, positive when its top leans right.
    pub angle_deg: f64,
    /// Width and height of the upright fingertip region (the crop's size).
    pub size: (u32, u32),
    /// Axis-aligned box of the (possibly leaning) fingertip region, clipped to the image.
    pub bbox: BoundingBox,
    /// The upright crop, at the source resolution.
    pub image: GrayImage,
    /// NFIQ 2 of the crop, or why it has none; `None` when not asked for.
    pub nfiq2: Option<Result<Assessment, CropScoreError>>,
}

/// The fingers of one slap.
#[derive(Debug)]
pub struct Segmentation {
    /// The placement segmented.
    pub kind: SlapKind,
    /// Fingers found, left to right in the image.
    pub fingers: Vec<SegmentedFinger>,
    /// Expected fingers not found.
    pub missing: usize,
    /// Position codes of the missing fingers, as inferred from the spacing and placement of the
    /// ones found (empty when none were found: then every position is missing).
    pub missing_positions: Vec<u8>,
    /// Whether the position assignment was clear-cut; `false` when another assignment of the
    /// found fingers to positions explains their layout almost as well.
    pub positions_certain: bool,
}

/// A finger region on the block grid.
#[derive(Debug, Clone)]
struct Region {
    blocks: Vec<(u32, u32)>,
}

impl Region {
    fn bounds(&self) -> (u32, u32, u32, u32) {
        let mut b = (u32::MAX, u32::MAX, 0, 0);
        for &(x, y) in &self.blocks {
            b = (b.0.min(x), b.1.min(y), b.2.max(x), b.3.max(y));
        }
        b
    }

    fn centroid(&self) -> (f64, f64) {
        let n = self.blocks.len().max(1) as f64;
        let (sx, sy) = self.blocks.iter().fold((0.0, 0.0), |(a, b), &(x, y)| {
            (a + f64::from(x), b + f64::from(y))
        });
        (sx / n, sy / n)
    }
}

/// The foreground mask on the block grid.
struct Grid {
    width: u32,
    height: u32,
    cells: Vec<bool>,
}

impl Grid {
    fn get(&self, x: i64, y: i64) -> bool {
        if x < 0 || y < 0 || x >= i64::from(self.width) || y >= i64::from(self.height) {
            return false;
        }
        self.cells[y as usize * self.width as usize + x as usize]
    }

    /// Erosion (`erode`) or dilation with a square of radius `r`; outside the grid counts as
    /// `outside`.
    fn morph(&self, r: i64, erode: bool, outside: bool) -> Grid {
        let mut cells = vec![false; self.cells.len()];
        for y in 0..i64::from(self.height) {
            for x in 0..i64::from(self.width) {
                let mut all = true;
                let mut any = false;
                for dy in -r..=r {
                    for dx in -r..=r {
                        let inside = x + dx >= 0
                            && y + dy >= 0
                            && x + dx < i64::from(self.width)
                            && y + dy < i64::from(self.height);
                        let v = if inside {
                            self.get(x + dx, y + dy)
                        } else {
                            outside
                        };
                        all &= v;
                        any |= v;
                    }
                }
                cells[y as usize * self.width as usize + x as usize] =
                    if erode { all } else { any };
            }
        }
        Grid {
            width: self.width,
            height: self.height,
            cells,
        }
    }

    /// 4-connected components.
    fn components(&self) -> Vec<Region> {
        let (w, h) = (self.width as usize, self.height as usize);
        let mut seen = vec![false; w * h];
        let mut out = Vec::new();
        for start in 0..w * h {
            if !self.cells[start] || seen[start] {
                continue;
            }
            seen[start] = true;
            let mut stack = vec![start];
            let mut blocks = Vec::new();
            while let Some(i) = stack.pop() {
                let (x, y) = (i % w, i / w);
                blocks.push((x as u32, y as u32));
                let mut push = |j: usize| {
                    if self.cells[j] && !seen[j] {
                        seen[j] = true;
                        stack.push(j);
                    }
                };
                if x > 0 {
                    push(i - 1);
                }
                if x + 1 < w {
                    push(i + 1);
                }
                if y > 0 {
                    push(i - w);
                }
                if y + 1 < h {
                    push(i + w);
                }
            }
            out.push(Region { blocks });
        }
        out
    }
}

/// Segments `image` as a slap of `kind`.
pub fn segment(
    image: &GrayImageRef<'_>,
    kind: SlapKind,
    options: &SegmentOptions,
) -> Result<Segmentation, SegmentError> {
    let ppi = image.ppi();
    if !(250..=2000).contains(&ppi) {
        return Err(SegmentError::Resolution(ppi));
    }
    let ppi_f = f64::from(ppi);
    let min = (MIN_SIDE_IN * ppi_f).round() as u32;
    if image.width() < min || image.height() < min {
        return Err(SegmentError::TooSmall {
            width: image.width(),
            height: image.height(),
            min,
        });
    }
    let side = (BLOCK_500 * ppi_f / 500.0).round().max(4.0) as u32;
    let grid = foreground(image, side);
    // Close small gaps between ridges, then open wide enough to drop text and strokes.
    // Closing must not eat a finger that runs off the edge, so outside counts as print there;
    // opening must drop text along the edge, so outside counts as background.
    let closed = grid.morph(1, false, false).morph(1, true, true);
    let opened = closed.morph(2, true, false).morph(2, false, false);
    let block_in = f64::from(side) / ppi_f;
    let min_blocks = (MIN_FINGER_SQ_IN / (block_in * block_in)).ceil() as usize;
    let finger_w = FINGER_WIDTH_IN / block_in;
    let mut pieces: Vec<Region> = opened
        .components()
        .into_iter()
        .filter(|r| r.blocks.len() >= min_blocks)
        .flat_map(|r| split_touching(r, finger_w, kind))
        .filter(|r| r.blocks.len() >= min_blocks)
        .collect();
    // Scraps far smaller than the largest finger are writing or dirt, not fingers.
    let largest = pieces.iter().map(|r| r.blocks.len()).max().unwrap_or(0);
    pieces.retain(|r| r.blocks.len() * 4 >= largest);
    pieces = fingertips(pieces, (MAX_CREASE_GAP_IN / block_in).ceil() as u32);
    let expected = kind.positions().len();
    // Keep the largest when there are more candidates than fingers (palm edges, smudges).
    pieces.sort_by_key(|r| std::cmp::Reverse(r.blocks.len()));
    pieces.truncate(expected);
    pieces.sort_by(|a, b| a.centroid().0.total_cmp(&b.centroid().0));

    let tip_len = if kind == SlapKind::Thumbs {
        options.thumb_tip_in
    } else {
        options.fingertip_in
    } * ppi_f;
    // Fingers on a slap platen lean little; thumbs fan out more.
    let max_lean = if kind == SlapKind::Thumbs { 35.0 } else { 20.0 };
    let mut fingers: Vec<SegmentedFinger> = Vec::with_capacity(pieces.len());
    let mut tops = Vec::with_capacity(pieces.len());
    let leans: Vec<f64> = pieces
        .iter()
        .map(|p| lean_of(p, side, tip_len, max_lean))
        .collect();
    for (piece, &angle) in pieces.iter().zip(&leans) {
        let (finger, top) = cut_fingertip(image, piece, side, tip_len, angle, options);
        fingers.push(finger);
        tops.push(top);
    }
    let xs: Vec<f64> = fingers.iter().map(|f| f.center.0).collect();
    let (slots, certain) = assign_slots(&xs, &tops, kind, f64::from(image.width()), ppi_f);
    let positions = kind.positions();
    for (finger, &slot) in fingers.iter_mut().zip(&slots) {
        finger.position = positions[slot];
    }
    let missing_positions = if fingers.is_empty() {
        Vec::new()
    } else {
        (0..expected)
            .filter(|s| !slots.contains(s))
            .map(|s| positions[s])
            .collect()
    };
    Ok(Segmentation {
        kind,
        missing: expected - fingers.len(),
        missing_positions,
        positions_certain: certain,
        fingers,
    })
}

/// Marks the blocks that hold ridged print.
fn foreground(image: &GrayImageRef<'_>, side: u32) -> Grid {
    let ppi = f64::from(image.ppi());
    let (w, h) = (image.width() as usize, image.height() as usize);
    let (gw, gh) = (image.width() / side, image.height() / side);
    let px = image.pixels();
    // Structure tensor sums per block, then smoothed over 3x3 blocks for a stable coherence.
    let n = gw as usize * gh as usize;
    let mut tensor = vec![(0f64, 0f64, 0f64); n];
    let s = side as usize;
    for by in 0..gh as usize {
        for bx in 0..gw as usize {
            let (mut xx, mut yy, mut xy) = (0i64, 0i64, 0i64);
            for y in by * s..(by + 1) * s {
                let up = y.saturating_sub(1) * w;
                let down = (y + 1).min(h - 1) * w;
                let row = y * w;
                for x in bx * s..(bx + 1) * s {
                    let gx = i64::from(px[row + (x + 1).min(w - 1)])
                        - i64::from(px[row + x.saturating_sub(1)]);
                    let gy = i64::from(px[down + x]) - i64::from(px[up + x]);
                    xx += gx * gx;
                    yy += gy * gy;
                    xy += gx * gy;
                }
            }
            tensor[by * gw as usize + bx] = (xx as f64, yy as f64, xy as f64);
        }
    }
    let view = GrayView::new(image.width(), image.height(), px);
    let integral = view.ok().map(|v| Integral::new(&v));
    let mut cells = vec![false; n];
    for by in 0..gh as i64 {
        for bx in 0..gw as i64 {
            let (mut xx, mut yy, mut xy) = (0.0, 0.0, 0.0);
            for dy in -1..=1 {
                for dx in -1..=1 {
                    let (x, y) = (bx + dx, by + dy);
                    if x >= 0 && y >= 0 && x < i64::from(gw) && y < i64::from(gh) {
                        let t = tensor[y as usize * gw as usize + x as usize];
                        xx += t.0;
                        yy += t.1;
                        xy += t.2;
                    }
                }
            }
            let energy = xx + yy;
            let coherence = if energy > 0.0 {
                ((xx - yy).powi(2) + 4.0 * xy * xy).sqrt() / energy
            } else {
                0.0
            };
            let side = i64::from(side);
            let (mean, std) = integral
                .as_ref()
                .and_then(|t| {
                    t.mean_std(
                        bx * side - side / 2,
                        by * side - side / 2,
                        (bx + 1) * side + side / 2,
                        (by + 1) * side + side / 2,
                    )
                })
                .unwrap_or((255.0, 0.0));
            let ridged = std >= MIN_STD && mean <= MAX_MEAN && coherence >= MIN_COHERENCE;
            cells[by as usize * gw as usize + bx as usize] = ridged
                && {
                    let x0 = (bx * side - side / 2).max(0) as usize;
                    let y0 = (by * side - side / 2).max(0) as usize;
                    let x1 = (((bx + 1) * side + side / 2) as usize).min(w);
                    let y1 = (((by + 1) * side + side / 2) as usize).min(h);
                    let mut dark = 0usize;
                    for y in y0..y1 {
                        dark += px[y * w + x0..y * w + x1]
                            .iter()
                            .filter(|&&p| f64::from(p) < mean)
                            .count();
                    }
                    let share = dark as f64 / ((x1 - x0) * (y1 - y0)).max(1) as f64;
                    (MIN_DARK_SHARE..=MAX_DARK_SHARE).contains(&share)
                }
                && {
                    // Gradients point across the ridges: the signature runs that way.
                    let normal = 0.5 * (2.0 * xy).atan2(xx - yy);
                    let centre = (
                        (bx as f64 + 0.5) * side as f64,
                        (by as f64 + 0.5) * side as f64,
                    );
                    periodic(px, w, h, centre, normal, ppi)
                };
        }
    }
    Grid {
        width: gw,
        height: gh,
        cells,
    }
}

/// Whether the gray levels around `centre`, averaged along the ridges and read across them
/// (direction `normal`, radians), rise and fall like ridges: at least three dark valleys at a
/// ridge period of 0.01 to 0.03 in, evenly spaced. Pen strokes and print give one or two, or
/// uneven ones.
fn periodic(px: &[u8], w: usize, h: usize, centre: (f64, f64), normal: f64, ppi: f64) -> bool {
    let half = (SIGNATURE_IN * ppi / 2.0).round() as i64;
    let len = (2 * half + 1) as usize;
    let mut sum = vec![0f64; len];
    let mut count = vec![0u32; len];
    let (sn, cn) = normal.sin_cos();
    let along = half / 2;
    for a in -along..=along {
        for t in -half..=half {
            let x = centre.0 + t as f64 * cn - a as f64 * sn;
            let y = centre.1 + t as f64 * sn + a as f64 * cn;
            if x < 0.0 || y < 0.0 || x >= w as f64 || y >= h as f64 {
                continue;
            }
            let i = (t + half) as usize;
            sum[i] += f64::from(px[y as usize * w + x as usize]);
            count[i] += 1;
        }
    }
    let signature: Vec<f64> = sum
        .iter()
        .zip(&count)
        .filter(|(_, c)| **c > 0)
        .map(|(s, c)| s / f64::from(*c))
        .collect();
    if signature.len() < 5 {
        return false;
    }
    // Light smoothing, then local minima deep enough to be valleys between ridges.
    let smooth: Vec<f64> = (0..signature.len())
        .map(|i| {
            let lo = i.saturating_sub(1);
            let hi = (i + 2).min(signature.len());
            signature[lo..hi].iter().sum::<f64>() / (hi - lo) as f64
        })
        .collect();
    let (lo, hi) = smooth
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    let depth = 0.25 * (hi - lo);
    let mut minima = Vec::new();
    for i in 1..smooth.len() - 1 {
        if smooth[i] < smooth[i - 1] && smooth[i] <= smooth[i + 1] {
            let left = smooth[..i]
                .iter()
                .copied()
                .fold(f64::NEG_INFINITY, f64::max);
            let right = smooth[i + 1..]
                .iter()
                .copied()
                .fold(f64::NEG_INFINITY, f64::max);
            if left - smooth[i] >= depth && right - smooth[i] >= depth {
                minima.push(i as f64);
            }
        }
    }
    if minima.len() < 3 {
        return false;
    }
    let gaps: Vec<f64> = minima.windows(2).map(|p| p[1] - p[0]).collect();
    let mean = gaps.iter().sum::<f64>() / gaps.len() as f64;
    let spread = (gaps.iter().map(|g| (g - mean).powi(2)).sum::<f64>() / gaps.len() as f64).sqrt();
    let period_in = mean / ppi;
    (MIN_PERIOD_IN..=MAX_PERIOD_IN).contains(&period_in) && spread <= 0.4 * mean
}

/// Splits a region holding side-by-side fingers at the valleys of its column profile.
fn split_touching(region: Region, finger_w: f64, kind: SlapKind) -> Vec<Region> {
    let (x0, _, x1, _) = region.bounds();
    let width = f64::from(x1 - x0 + 1);
    let limit = if kind == SlapKind::Thumbs { 1.8 } else { 1.4 };
    if width < limit * finger_w {
        return vec![region];
    }
    let mut profile = vec![0f64; (x1 - x0 + 1) as usize];
    for &(x, _) in &region.blocks {
        profile[(x - x0) as usize] += 1.0;
    }
    // Smooth over three columns so a single ragged column is not a valley.
    let smooth: Vec<f64> = (0..profile.len())
        .map(|i| {
            let lo = i.saturating_sub(1);
            let hi = (i + 2).min(profile.len());
            profile[lo..hi].iter().sum::<f64>() / (hi - lo) as f64
        })
        .collect();
    // A cut is the lowest column in a window of about one finger width, at least half a finger
    // from either end and from the previous cut, and well below the peaks on both sides.
    let half = (finger_w / 2.0).max(2.0) as usize;
    let mut cuts: Vec<usize> = Vec::new();
    let mut i = half;
    while i + half < smooth.len() {
        let lo = i.saturating_sub(half);
        let hi = (i + half + 1).min(smooth.len());
        let window_min = smooth[lo..hi].iter().copied().fold(f64::INFINITY, f64::min);
        let left_peak = smooth[cuts.last().copied().unwrap_or(0)..=i]
            .iter()
            .copied()
            .fold(0.0, f64::max);
        let right_end = (i + 2 * half * 2).min(smooth.len());
        let right_peak = smooth[i..right_end].iter().copied().fold(0.0, f64::max);
        let far_enough = cuts.last().is_none_or(|&c| i - c >= half * 2 - 1);
        if smooth[i] <= window_min && smooth[i] < 0.6 * left_peak.min(right_peak) && far_enough {
            cuts.push(i);
            i += half;
        } else {
            i += 1;
        }
    }
    if cuts.is_empty() {
        return vec![region];
    }
    let mut parts: Vec<Region> = vec![Region { blocks: Vec::new() }; cuts.len() + 1];
    for &(x, y) in &region.blocks {
        let rel = (x - x0) as usize;
        let k = cuts.iter().filter(|&&c| rel > c).count();
        parts[k].blocks.push((x, y));
    }
    parts.into_iter().filter(|p| !p.blocks.is_empty()).collect()
}

/// Drops regions that lie just below another region in the same column (at most `max_gap`
/// blocks below it): the lower phalanges of a finger whose tip is above them.
fn fingertips(regions: Vec<Region>, max_gap: u32) -> Vec<Region> {
    let bounds: Vec<(u32, u32, u32, u32)> = regions.iter().map(Region::bounds).collect();
    let sizes: Vec<usize> = regions.iter().map(|r| r.blocks.len()).collect();
    regions
        .into_iter()
        .enumerate()
        .filter(|&(i, _)| {
            let (l, t, r, _) = bounds[i];
            !bounds.iter().enumerate().any(|(j, &(l2, t2, r2, b2))| {
                let overlap = (r.min(r2) + 1).saturating_sub(l.max(l2));
                let narrower = (r - l + 1).min(r2 - l2 + 1);
                // Above: the other region starts higher and mostly ends before this one starts.
                j != i
                    && f64::from(overlap) >= 0.4 * f64::from(narrower)
                    && t2 < t
                    && b2 <= t + (b2 - t2) / 3
                    && t <= b2 + max_gap
                    && sizes[j] * 2 >= sizes[i]
            })
        })
        .map(|(_, r)| r)
        .collect()
}

/// Lean (radians) of a finger region's upper fingertip length.
fn lean_of(region: &Region, side: u32, tip_len: f64, max_lean_deg: f64) -> f64 {
    let s = f64::from(side);
    let points: Vec<(f64, f64)> = region
        .blocks
        .iter()
        .map(|&(x, y)| ((f64::from(x) + 0.5) * s, (f64::from(y) + 0.5) * s))
        .collect();
    let top_y = points.iter().map(|p| p.1).fold(f64::INFINITY, f64::min) - s / 2.0;
    // The axis from the upper fingertip length only (lower phalanges may bend away).
    let upper: Vec<(f64, f64)> = points
        .into_iter()
        .filter(|p| p.1 - top_y <= tip_len)
        .collect();
    principal_lean(&upper, max_lean_deg)
}

/// Keeps one fingertip length below the top of a finger region leaning by `angle` (radians) and
/// crops it. Returns the finger (position not yet assigned) and the row of its top, for slot
/// inference.
fn cut_fingertip(
    image: &GrayImageRef<'_>,
    region: &Region,
    side: u32,
    tip_len: f64,
    angle: f64,
    options: &SegmentOptions,
) -> (SegmentedFinger, f64) {
    let s = f64::from(side);
    let centre = |&(x, y): &(u32, u32)| ((f64::from(x) + 0.5) * s, (f64::from(y) + 0.5) * s);
    let points: Vec<(f64, f64)> = region.blocks.iter().map(centre).collect();
    let top_y = points.iter().map(|p| p.1).fold(f64::INFINITY, f64::min) - s / 2.0;
    let (sin, cos) = angle.sin_cos();
    // Finger frame: u across the finger, v down along it (rows grow downwards).
    let to_frame = |(x, y): (f64, f64)| (x * cos - y * sin, x * sin + y * cos);
    let framed: Vec<(f64, f64)> = points.iter().copied().map(to_frame).collect();
    let v_top = framed.iter().map(|p| p.1).fold(f64::INFINITY, f64::min) - s / 2.0;
    let tip: Vec<(f64, f64)> = framed
        .iter()
        .copied()
        .filter(|p| p.1 - s / 2.0 < v_top + tip_len)
        .collect();
    let u0 = tip.iter().map(|p| p.0).fold(f64::INFINITY, f64::min) - s / 2.0;
    let u1 = tip.iter().map(|p| p.0).fold(f64::NEG_INFINITY, f64::max) + s / 2.0;
    let v1 =
        (tip.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max) + s / 2.0).min(v_top + tip_len);
    let (cu, cv) = ((u0 + u1) / 2.0, (v_top + v1) / 2.0);
    // Back to image coordinates: inverse rotation.
    let from_frame = |(u, v): (f64, f64)| (u * cos + v * sin, -u * sin + v * cos);
    let center = from_frame((cu, cv));
    let (cw, ch) = ((u1 - u0).round().max(1.0), (v1 - v_top).round().max(1.0));
    let corners = [(u0, v_top), (u1, v_top), (u0, v1), (u1, v1)].map(from_frame);
    let clamp_x = |v: f64| v.clamp(0.0, f64::from(image.width())) as u32;
    let clamp_y = |v: f64| v.clamp(0.0, f64::from(image.height())) as u32;
    let bbox = BoundingBox {
        left: clamp_x(
            corners
                .iter()
                .map(|c| c.0)
                .fold(f64::INFINITY, f64::min)
                .floor(),
        ),
        top: clamp_y(
            corners
                .iter()
                .map(|c| c.1)
                .fold(f64::INFINITY, f64::min)
                .floor(),
        ),
        right: clamp_x(
            corners
                .iter()
                .map(|c| c.0)
                .fold(f64::NEG_INFINITY, f64::max)
                .ceil(),
        ),
        bottom: clamp_y(
            corners
                .iter()
                .map(|c| c.1)
                .fold(f64::NEG_INFINITY, f64::max)
                .ceil(),
        ),
    };
    // The finger's own blocks, grown by one, decide which pixels are kept.
    let (gw, gh) = (image.width() / side, image.height() / side);
    let mut own = vec![false; gw as usize * gh as usize];
    for &(x, y) in &region.blocks {
        for dy in -1i64..=1 {
            for dx in -1i64..=1 {
                let (nx, ny) = (i64::from(x) + dx, i64::from(y) + dy);
                if nx >= 0 && ny >= 0 && nx < i64::from(gw) && ny < i64::from(gh) {
                    own[ny as usize * gw as usize + nx as usize] = true;
                }
            }
        }
    }
    let keep = |x: f64, y: f64| {
        if x < 0.0 || y < 0.0 {
            return false;
        }
        let (bx, by) = ((x / s) as u32, (y / s) as u32);
        // Pixels in the partial blocks at the right and bottom edges follow their neighbour.
        let (bx, by) = (bx.min(gw.saturating_sub(1)), by.min(gh.saturating_sub(1)));
        own.get(by as usize * gw as usize + bx as usize)
            .copied()
            .unwrap_or(false)
    };
    let crop = if angle.to_degrees().abs() < UPRIGHT_BELOW_DEG {
        crop_straight(image, &bbox, &keep)
    } else {
        crop_rotated(
            image,
            (u0, v_top),
            (cw as u32, ch as u32),
            (sin, cos),
            &keep,
        )
    };
    let nfiq2 = options.nfiq2.then(|| {
        crop.view(image.ppi())
            .map_err(CropScoreError::Image)
            .and_then(|view| fingerprint::nfiq2(&view).map_err(CropScoreError::Quality))
    });
    let size = (crop.width, crop.height);
    (
        SegmentedFinger {
            position: 0,
            center,
            // The frame angle turns image axes onto the finger's; the finger's lean is its opposite.
            angle_deg: -angle.to_degrees(),
            size,
            bbox,
            image: crop,
            nfiq2,
        },
        top_y,
    )
}

/// Lean from vertical (radians, positive when the top leans right) of the points' principal
/// axis, limited to what a hand on a platen does.
fn principal_lean(points: &[(f64, f64)], limit: f64) -> f64 {
    let n = points.len() as f64;
    if points.len() < 3 {
        return 0.0;
    }
    let (mx, my) = points
        .iter()
        .fold((0.0, 0.0), |(a, b), p| (a + p.0 / n, b + p.1 / n));
    let (mut sxx, mut syy, mut sxy) = (0.0, 0.0, 0.0);
    for p in points {
        let (dx, dy) = (p.0 - mx, p.1 - my);
        sxx += dx * dx;
        syy += dy * dy;
        sxy += dx * dy;
    }
    // Angle of the major axis from the x axis; the lean is its offset from vertical. A finger
    // whose top leans right runs from top-right to bottom-left, a negative x-y covariance.
    let theta = 0.5 * (2.0 * sxy).atan2(sxx - syy);
    let mut lean = -(theta - std::f64::consts::FRAC_PI_2);
    if lean > std::f64::consts::FRAC_PI_2 {
        lean -= std::f64::consts::PI;
    }
    if lean < -std::f64::consts::FRAC_PI_2 {
        lean += std::f64::consts::PI;
    }
    // A nearly round region has no reliable axis.
    let spread = ((sxx - syy).powi(2) + 4.0 * sxy * sxy).sqrt() / (sxx + syy).max(1e-9);
    if spread < 0.15 {
        return 0.0;
    }
    lean.clamp(-limit.to_radians(), limit.to_radians())
}

/// An axis-aligned cut of `bbox`, white outside the finger.
fn crop_straight(
    image: &GrayImageRef<'_>,
    bbox: &BoundingBox,
    keep: &dyn Fn(f64, f64) -> bool,
) -> GrayImage {
    let (w, h) = (bbox.width().max(1), bbox.height().max(1));
    let iw = image.width() as usize;
    let mut pixels = Vec::with_capacity(w as usize * h as usize);
    for y in bbox.top..bbox.top + h {
        for x in bbox.left..bbox.left + w {
            let v = if keep(f64::from(x), f64::from(y)) {
                image
                    .pixels()
                    .get(y as usize * iw + x as usize)
                    .copied()
                    .unwrap_or(255)
            } else {
                255
            };
            pixels.push(v);
        }
    }
    GrayImage {
        width: w,
        height: h,
        pixels,
    }
}

/// An upright crop of the finger frame's rectangle starting at `origin` (u, v), bilinear, white
/// outside the image and outside the finger.
fn crop_rotated(
    image: &GrayImageRef<'_>,
    origin: (f64, f64),
    size: (u32, u32),
    (sin, cos): (f64, f64),
    keep: &dyn Fn(f64, f64) -> bool,
) -> GrayImage {
    let (w, h) = (size.0.max(1), size.1.max(1));
    let (iw, ih) = (image.width() as i64, image.height() as i64);
    let px = image.pixels();
    let at = |x: i64, y: i64| -> f64 {
        if x < 0 || y < 0 || x >= iw || y >= ih {
            255.0
        } else {
            f64::from(px[(y * iw + x) as usize])
        }
    };
    let mut pixels = Vec::with_capacity(w as usize * h as usize);
    for j in 0..h {
        for i in 0..w {
            let (u, v) = (origin.0 + f64::from(i) + 0.5, origin.1 + f64::from(j) + 0.5);
            let (x, y) = (u * cos + v * sin - 0.5, -u * sin + v * cos - 0.5);
            if !keep(x + 0.5, y + 0.5) {
                pixels.push(255);
                continue;
            }
            let (x0, y0) = (x.floor(), y.floor());
            let (fx, fy) = (x - x0, y - y0);
            let (x0, y0) = (x0 as i64, y0 as i64);
            let top = at(x0, y0) * (1.0 - fx) + at(x0 + 1, y0) * fx;
            let bottom = at(x0, y0 + 1) * (1.0 - fx) + at(x0 + 1, y0 + 1) * fx;
            pixels.push((top * (1.0 - fy) + bottom * fy).round().clamp(0.0, 255.0) as u8);
        }
    }
    GrayImage {
        width: w,
        height: h,
        pixels,
    }
}

/// Assigns each found finger (sorted left to right, centres `xs`, tops `tops`) to a slot of the
/// placement. Every order-preserving choice of slots is scored by how evenly its fingers would be
/// spaced, whether the missing slots would fall inside the image, and, for four fingers, whether
/// the little finger sits lowest; returns the best choice and whether it clearly beat the next.
fn assign_slots(
    xs: &[f64],
    tops: &[f64],
    kind: SlapKind,
    width: f64,
    ppi: f64,
) -> (Vec<usize>, bool) {
    let slots = kind.positions().len();
    let n = xs.len();
    if n == 0 || n >= slots {
        return ((0..n).collect(), true);
    }
    let spacing = if kind == SlapKind::Thumbs {
        width / 2.0
    } else {
        FINGER_WIDTH_IN * ppi * 1.1
    };
    let mut scored: Vec<(f64, Vec<usize>)> = Vec::new();
    for mask in 0u32..(1 << slots) {
        if mask.count_ones() as usize != n {
            continue;
        }
        let chosen: Vec<usize> = (0..slots).filter(|s| mask & (1 << s) != 0).collect();
        scored.push((slot_cost(xs, tops, &chosen, kind, width, spacing), chosen));
    }
    scored.sort_by(|a, b| a.0.total_cmp(&b.0));
    let certain = scored.len() < 2 || scored[1].0 - scored[0].0 > 0.5;
    (scored.swap_remove(0).1, certain)
}

fn slot_cost(
    xs: &[f64],
    tops: &[f64],
    chosen: &[usize],
    kind: SlapKind,
    width: f64,
    spacing: f64,
) -> f64 {
    let slots = kind.positions().len();
    // Least-squares line x = a + d * slot with the spacing d pulled towards the expected one.
    let n = xs.len() as f64;
    let ms = chosen.iter().map(|&s| s as f64).sum::<f64>() / n;
    let mx = xs.iter().sum::<f64>() / n;
    let sss: f64 = chosen.iter().map(|&s| (s as f64 - ms).powi(2)).sum();
    let ssx: f64 = chosen
        .iter()
        .zip(xs)
        .map(|(&s, &x)| (s as f64 - ms) * (x - mx))
        .sum();
    // A prior worth one observation keeps a lone pair from choosing any spacing it likes.
    let d = (ssx + spacing) / (sss + 1.0);
    let a = mx - d * ms;
    let mut cost: f64 = chosen
        .iter()
        .zip(xs)
        .map(|(&s, &x)| ((x - a - d * s as f64) / spacing).powi(2))
        .sum();
    cost += ((d - spacing) / spacing).powi(2);
    // Missing slots must fall on the platen, not beyond its edges.
    for s in (0..slots).filter(|s| !chosen.contains(s)) {
        let x = a + d * s as f64;
        let outside = (-x).max(x - width).max(0.0) / spacing;
        cost += 4.0 * outside;
    }
    if kind == SlapKind::Thumbs {
        // A lone thumb is the one on its side of the image.
        for (&s, &x) in chosen.iter().zip(xs) {
            let left_half = x < width / 2.0;
            if left_half != (s == 0) {
                cost += 2.0;
            }
        }
    } else {
        // The little finger (slot 3 of the right hand, 0 of the left) has the lowest top.
        let little = if kind == SlapKind::RightFour { 3 } else { 0 };
        let lowest = tops
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .map(|(i, _)| i);
        if let Some(i) = chosen.iter().position(|&s| s == little)
            && tops.len() > 1
            && lowest != Some(i)
        {
            cost += 0.6;
        }
    }
    cost
}

#[cfg(test)]
mod tests {
    use super::*;

    const W: u32 = 1600;
    const H: u32 = 1500;

    /// A white platen with ridged ellipses (0.6 x 0.85 in, ridge period 10 px) centred at `centres`.
    fn slap(centres: &[(f64, f64)]) -> Vec<u8> {
        let mut px = vec![235u8; (W * H) as usize];
        for &(cx, cy) in centres {
            for y in 0..H {
                for x in 0..W {
                    let (dx, dy) = (f64::from(x) - cx, f64::from(y) - cy);
                    if (dx / 150.0).powi(2) + (dy / 212.0).powi(2) <= 1.0 {
                        // Loops around a core below the centre, as on a fingertip.
                        let r = (dx * dx + (dy - 60.0).powi(2)).sqrt();
                        let v = 128.0 + 90.0 * (std::f64::consts::TAU * r / 10.0).cos();
                        px[(y * W + x) as usize] = v as u8;
                    }
                }
            }
        }
        px
    }

    const FOUR: [(f64, f64); 4] = [
        (250.0, 700.0),
        (650.0, 600.0),
        (1050.0, 680.0),
        (1400.0, 850.0),
    ];

    fn run(px: &[u8], kind: SlapKind) -> Segmentation {
        let img = GrayImageRef::new(W, H, px, 500).unwrap();
        let options = SegmentOptions {
            nfiq2: false,
            ..SegmentOptions::default()
        };
        segment(&img, kind, &options).unwrap()
    }

    #[test]
    fn four_ridged_fingertips_are_found_in_order_with_their_codes() {
        let px = slap(&FOUR);
        let seg = run(&px, SlapKind::RightFour);
        assert_eq!(seg.missing, 0);
        let codes: Vec<u8> = seg.fingers.iter().map(|f| f.position).collect();
        assert_eq!(codes, vec![2, 3, 4, 5]);
        for (f, &(cx, cy)) in seg.fingers.iter().zip(&FOUR) {
            assert!((f.center.0 - cx).abs() < 30.0, "{:?} vs {cx}", f.center);
            assert!((f.center.1 - cy).abs() < 40.0, "{:?} vs {cy}", f.center);
            assert!(f.angle_deg.abs() < UPRIGHT_BELOW_DEG, "{}", f.angle_deg);
            assert!(f.nfiq2.is_none());
        }
        let left = run(&px, SlapKind::LeftFour);
        let codes: Vec<u8> = left.fingers.iter().map(|f| f.position).collect();
        assert_eq!(codes, vec![10, 9, 8, 7]);
    }

    #[test]
    fn a_gap_in_the_row_names_the_missing_finger() {
        let px = slap(&[FOUR[0], FOUR[1], FOUR[3]]);
        let seg = run(&px, SlapKind::RightFour);
        assert_eq!(seg.missing, 1);
        assert_eq!(seg.missing_positions, vec![4]);
        let codes: Vec<u8> = seg.fingers.iter().map(|f| f.position).collect();
        assert_eq!(codes, vec![2, 3, 5]);
        let left = run(&px, SlapKind::LeftFour);
        assert_eq!(left.missing_positions, vec![8]);
    }

    #[test]
    fn a_lone_thumb_is_named_by_its_side_of_the_image() {
        let px = slap(&[(1150.0, 750.0)]);
        let seg = run(&px, SlapKind::Thumbs);
        assert_eq!(seg.missing, 1);
        assert_eq!(seg.fingers[0].position, 1);
        assert_eq!(seg.missing_positions, vec![6]);
    }

    #[test]
    fn a_blank_platen_has_every_finger_missing() {
        let px = vec![240u8; (W * H) as usize];
        let seg = run(&px, SlapKind::LeftFour);
        assert!(seg.fingers.is_empty());
        assert_eq!(seg.missing, 4);
        assert!(seg.missing_positions.is_empty());
    }

    #[test]
    fn sensor_noise_alone_is_not_a_finger() {
        // A fixed pseudo-random pattern: strong noise, no ridges.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let px: Vec<u8> = (0..W * H)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 56) as u8
            })
            .collect();
        let seg = run(&px, SlapKind::RightFour);
        assert!(seg.fingers.is_empty(), "{:?}", seg.fingers.len());
        assert_eq!(seg.missing, 4);
    }

    #[test]
    fn noisy_slap_still_gives_four_fingers() {
        let mut px = slap(&FOUR);
        let mut state = 7u64;
        for p in &mut px {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            let n = ((state >> 33) % 41) as i32 - 20;
            *p = (i32::from(*p) + n).clamp(0, 255) as u8;
        }
        let seg = run(&px, SlapKind::RightFour);
        let codes: Vec<u8> = seg.fingers.iter().map(|f| f.position).collect();
        assert_eq!(codes, vec![2, 3, 4, 5]);
    }

    #[test]
    fn tiny_images_and_missing_resolutions_are_errors() {
        let px = vec![128u8; 100 * 100];
        let img = GrayImageRef::new(100, 100, &px, 500).unwrap();
        assert!(matches!(
            segment(&img, SlapKind::Thumbs, &SegmentOptions::default()),
            Err(SegmentError::TooSmall { min: 250, .. })
        ));
        let img = GrayImageRef::new(100, 100, &px, 0).unwrap();
        assert_eq!(
            segment(&img, SlapKind::Thumbs, &SegmentOptions::default()).unwrap_err(),
            SegmentError::Resolution(0)
        );
        // One pixel wide but tall: too small, not a panic.
        let px = vec![0u8; 2000];
        let img = GrayImageRef::new(1, 2000, &px, 500).unwrap();
        assert!(segment(&img, SlapKind::RightFour, &SegmentOptions::default()).is_err());
    }

    #[test]
    fn a_leaning_finger_is_cropped_upright_and_scored() {
        // One fingertip turned 15 degrees: its crop is resampled upright and NFIQ 2 runs on it.
        let (cx, cy) = (800.0f64, 700.0f64);
        let lean = 15f64.to_radians();
        let mut px = vec![235u8; (W * H) as usize];
        for y in 0..H {
            for x in 0..W {
                let (dx, dy) = (f64::from(x) - cx, f64::from(y) - cy);
                let (u, v) = (
                    dx * lean.cos() - dy * lean.sin(),
                    dx * lean.sin() + dy * lean.cos(),
                );
                if (u / 150.0).powi(2) + (v / 212.0).powi(2) <= 1.0 {
                    let r = (u * u + (v - 60.0).powi(2)).sqrt();
                    px[(y * W + x) as usize] =
                        (128.0 + 90.0 * (std::f64::consts::TAU * r / 10.0).cos()) as u8;
                }
            }
        }
        let img = GrayImageRef::new(W, H, &px, 500).unwrap();
        let seg = segment(&img, SlapKind::Thumbs, &SegmentOptions::default()).unwrap();
        assert_eq!(seg.fingers.len(), 1);
        let f = &seg.fingers[0];
        assert!(
            (f.angle_deg.abs() - 15.0).abs() < 5.0,
            "lean {}",
            f.angle_deg
        );
        // Upright: the crop is taller than wide, about the ellipse's own size.
        assert!(f.size.1 > f.size.0, "{:?}", f.size);
        assert!(f.size.0 < 360, "{:?}", f.size);
        assert!(f.nfiq2.is_some());
    }

    #[test]
    fn placement_positions_run_left_to_right_as_the_hand_lies() {
        assert_eq!(SlapKind::RightFour.positions(), &[2, 3, 4, 5]);
        assert_eq!(SlapKind::LeftFour.positions(), &[10, 9, 8, 7]);
        assert_eq!(SlapKind::Thumbs.positions(), &[6, 1]);
        assert_eq!(SlapKind::LeftFour.code(), 14);
    }
}
