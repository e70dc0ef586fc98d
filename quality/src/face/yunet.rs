//! YuNet face detector (OpenCV Zoo, Apache-2.0) through `tract-onnx`, with five landmarks per
//! face: both eyes, nose tip, mouth corners. Built only with the `yunet` feature; the model file
//! is given by path (for instance `../shared/models/yunet_s_640_640.onnx`), never downloaded.
//!
//! Contract: the model must have a fixed square input `input` of shape [1, 3, S, S] (BGR, 0-255,
//! no normalisation) and the outputs `cls_8/16/32`, `obj_8/16/32`, `bbox_8/16/32`,
//! `kps_8/16/32`, as the fixed-shape YuNet exports do. The picture is scaled to fit S x S
//! (aspect kept, padded right and bottom); boxes and landmarks come back in picture pixels.
//! Decoding follows the published YuNet head: per anchor cell (c, r) of stride s, score =
//! sqrt(cls * obj), centre = (c + dx, r + dy) * s, size = exp(dw, dh) * s, landmark k =
//! (c + kx, r + ky) * s; then non-maximum suppression at IoU 0.3.

use std::path::Path;
use std::sync::Arc;

use tract_onnx::prelude::*;

use super::detect::{DetectError, DetectedFace, FaceBox, FaceDetector, Landmarks, Point};
use crate::image::RgbView;

type Plan = Arc<TypedRunnableModel>;

/// The YuNet detector.
pub struct YunetDetector {
    plan: Plan,
    size: usize,
    /// Indices of the outputs: for strides 8, 16, 32, (cls, obj, bbox, kps).
    outputs: [[usize; 4]; 3],
    score_threshold: f32,
}

impl std::fmt::Debug for YunetDetector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("YunetDetector")
            .field("size", &self.size)
            .field("score_threshold", &self.score_threshold)
            .finish_non_exhaustive()
    }
}

const STRIDES: [usize; 3] = [8, 16, 32];

fn model_error(e: impl std::fmt::Display) -> DetectError {
    DetectError::Model(e.to_string())
}

impl YunetDetector {
    /// Loads the fixed-shape model at `path`.
    pub fn load(path: &Path) -> Result<Self, DetectError> {
        let model = onnx()
            .model_for_path(path)
            .map_err(|e| model_error(format!("{}: {e}", path.display())))?;
        let input = model.input_fact(0).map_err(model_error)?.clone();
        let shape = input
            .shape
            .as_concrete_finite()
            .map_err(model_error)?
            .ok_or_else(|| model_error("the model's input shape is not fixed"))?
            .to_vec();
        let size = match shape.as_slice() {
            [1, 3, h, w] if h == w && *h >= 32 => *h,
            other => {
                return Err(model_error(format!(
                    "expected a square [1, 3, S, S] input, found {other:?}"
                )));
            }
        };
        let typed = model.into_optimized().map_err(model_error)?;
        let mut outputs = [[usize::MAX; 4]; 3];
        for (i, outlet) in typed
            .output_outlets()
            .map_err(model_error)?
            .iter()
            .enumerate()
        {
            let name = typed
                .outlet_label(*outlet)
                .unwrap_or(&typed.node(outlet.node).name)
                .to_string();
            for (si, s) in STRIDES.iter().enumerate() {
                for (ki, kind) in ["cls", "obj", "bbox", "kps"].iter().enumerate() {
                    if name == format!("{kind}_{s}") {
                        outputs[si][ki] = i;
                    }
                }
            }
        }
        if outputs.iter().flatten().any(|&i| i == usize::MAX) {
            return Err(model_error(
                "the model lacks the YuNet outputs cls/obj/bbox/kps_8/16/32",
            ));
        }
        let plan = typed.into_runnable().map_err(model_error)?;
        Ok(Self {
            plan,
            size,
            outputs,
            score_threshold: 0.6,
        })
    }

    /// The model's square input size.
    pub fn input_size(&self) -> usize {
        self.size
    }

    /// The picture scaled into the model's input, BGR planes; and the scale used.
    fn prepare(&self, image: &RgbView<'_>) -> (Vec<f32>, f64) {
        let s = self.size;
        let (w, h) = (image.width() as usize, image.height() as usize);
        let scale = (s as f64 / w as f64).min(s as f64 / h as f64);
        let (tw, th) = (
            ((w as f64 * scale).round() as usize).clamp(1, s),
            ((h as f64 * scale).round() as usize).clamp(1, s),
        );
        let mut data = vec![0f32; 3 * s * s];
        let px = image.pixels();
        for y in 0..th {
            // Area average over the source pixels that fall in this target pixel.
            let (sy0, sy1) = (y * h / th, ((y + 1) * h / th).max(y * h / th + 1));
            for x in 0..tw {
                let (sx0, sx1) = (x * w / tw, ((x + 1) * w / tw).max(x * w / tw + 1));
                let mut sum = [0u32; 3];
                for yy in sy0..sy1.min(h) {
                    for xx in sx0..sx1.min(w) {
                        let i = (yy * w + xx) * 3;
                        if let Some(p) = px.get(i..i + 3) {
                            sum[0] += u32::from(p[0]);
                            sum[1] += u32::from(p[1]);
                            sum[2] += u32::from(p[2]);
                        }
                    }
                }
                let n = ((sy1.min(h) - sy0) * (sx1.min(w) - sx0)).max(1) as f32;
                // BGR planes.
                data[y * s + x] = sum[2] as f32 / n;
                data[s * s + y * s + x] = sum[1] as f32 / n;
                data[2 * s * s + y * s + x] = sum[0] as f32 / n;
            }
        }
        (data, scale)
    }
}

fn values(outputs: &TVec<TValue>, i: usize) -> Result<Vec<f32>, DetectError> {
    let t = outputs
        .get(i)
        .ok_or_else(|| DetectError::Inference(format!("output {i} missing")))?;
    let view = t
        .to_plain_array_view::<f32>()
        .map_err(|e| DetectError::Inference(e.to_string()))?;
    Ok(view.iter().copied().collect())
}

impl FaceDetector for YunetDetector {
    fn detect(&mut self, image: &RgbView<'_>) -> Result<Vec<DetectedFace>, DetectError> {
        let s = self.size;
        let (data, scale) = self.prepare(image);
        let input = Tensor::from_shape(&[1, 3, s, s], &data)
            .map_err(|e| DetectError::Inference(e.to_string()))?;
        let outputs = self
            .plan
            .run(tvec!(input.into_tvalue()))
            .map_err(|e| DetectError::Inference(e.to_string()))?;
        let mut faces = Vec::new();
        for (si, &stride) in STRIDES.iter().enumerate() {
            let [ci, oi, bi, ki] = self.outputs[si];
            let (cls, obj, bbox, kps) = (
                values(&outputs, ci)?,
                values(&outputs, oi)?,
                values(&outputs, bi)?,
                values(&outputs, ki)?,
            );
            let cols = s / stride;
            let cells = cols * cols;
            if cls.len() < cells
                || obj.len() < cells
                || bbox.len() < 4 * cells
                || kps.len() < 10 * cells
            {
                return Err(DetectError::Inference(format!(
                    "stride {stride}: outputs smaller than the {cells} cells of a {s}x{s} input"
                )));
            }
            for idx in 0..cells {
                let score = (cls[idx].clamp(0.0, 1.0) * obj[idx].clamp(0.0, 1.0)).sqrt();
                if score < self.score_threshold {
                    continue;
                }
                let (c, r) = ((idx % cols) as f64, (idx / cols) as f64);
                let st = stride as f64;
                let b = &bbox[idx * 4..idx * 4 + 4];
                let cx = (c + f64::from(b[0])) * st;
                let cy = (r + f64::from(b[1])) * st;
                let bw = f64::from(b[2]).exp() * st;
                let bh = f64::from(b[3]).exp() * st;
                let k = &kps[idx * 10..idx * 10 + 10];
                let point = |n: usize| Point {
                    x: (c + f64::from(k[2 * n])) * st / scale,
                    y: (r + f64::from(k[2 * n + 1])) * st / scale,
                };
                faces.push(DetectedFace {
                    bbox: FaceBox {
                        x: (cx - bw / 2.0) / scale,
                        y: (cy - bh / 2.0) / scale,
                        width: bw / scale,
                        height: bh / scale,
                    },
                    score: f64::from(score),
                    // YuNet's order is the subject's right eye (image left) first.
                    landmarks: Some(Landmarks {
                        left_eye: point(0),
                        right_eye: point(1),
                        nose: Some(point(2)),
                        mouth: Some((point(3), point(4))),
                    }),
                });
            }
        }
        Ok(suppress(faces, 0.3))
    }
}

/// Non-maximum suppression: best first, dropping boxes overlapping a kept one by more than `iou`.
fn suppress(mut faces: Vec<DetectedFace>, iou: f64) -> Vec<DetectedFace> {
    faces.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut kept: Vec<DetectedFace> = Vec::new();
    for f in faces {
        if kept.iter().all(|k| k.bbox.iou(&f.bbox) <= iou) {
            kept.push(f);
        }
    }
    kept
}
