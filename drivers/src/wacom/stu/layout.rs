//! The "sign here" screen as the driver needs it: where the signature goes and where the buttons
//! are, in screen pixels, and how pen positions in tablet units map onto them. Drawing the screen
//! is the agent's business (it has the words and the font); this type is what both agree on.
//!
//! Contract: rectangles lie inside the screen; `button_at` answers for a pen position in tablet
//! units, mapped linearly from the tablet's full range onto the screen.

use super::report::ScreenRect;

/// A button on the pad's screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PadButton {
    /// Accept the signature.
    Accept,
    /// Wipe it and sign again.
    Clear,
    /// Give up.
    Cancel,
}

/// The layout of a sign-here screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignHereScreen {
    /// Screen width in pixels.
    pub width: u16,
    /// Screen height in pixels.
    pub height: u16,
    /// Where the pen inks (sent to the pad as its writing area).
    pub signing_area: ScreenRect,
    /// The buttons, each with its rectangle.
    pub buttons: Vec<(PadButton, ScreenRect)>,
}

impl SignHereScreen {
    /// The standard layout for a screen of `width` x `height`: a title band on top, the signing
    /// box in the middle, Clear bottom left and Accept bottom right.
    pub fn standard(width: u16, height: u16) -> Self {
        let (w, h) = (u32::from(width), u32::from(height));
        // Proportions fit 800x480 and 320x200 alike; all values are at most the screen size.
        let px = |v: u32| v as u16;
        let margin = (w / 40).max(2);
        let title = h / 6;
        let button_h = h / 6;
        let button_w = w * 3 / 10;
        let bottom = h - margin;
        let button_top = bottom - button_h;
        SignHereScreen {
            width,
            height,
            signing_area: ScreenRect {
                x1: px(margin),
                y1: px(title),
                x2: px(w - margin),
                y2: px(button_top - margin),
            },
            buttons: vec![
                (
                    PadButton::Clear,
                    ScreenRect {
                        x1: px(margin),
                        y1: px(button_top),
                        x2: px(margin + button_w),
                        y2: px(bottom),
                    },
                ),
                (
                    PadButton::Accept,
                    ScreenRect {
                        x1: px(w - margin - button_w),
                        y1: px(button_top),
                        x2: px(w - margin),
                        y2: px(bottom),
                    },
                ),
            ],
        }
    }

    /// The screen pixel under a pen position on a tablet of `max_x` x `max_y` units.
    pub fn to_screen(&self, x: u16, y: u16, max_x: u16, max_y: u16) -> (u16, u16) {
        let map = |v: u16, max: u16, size: u16| {
            let v = u32::from(v.min(max));
            let px = v * u32::from(size) / u32::from(max.max(1));
            px.min(u32::from(size.saturating_sub(1))) as u16
        };
        (map(x, max_x, self.width), map(y, max_y, self.height))
    }

    /// The tablet position of the centre of `button`, for simulators that tap it.
    pub fn tablet_centre(&self, button: PadButton, max_x: u16, max_y: u16) -> Option<(u16, u16)> {
        let (_, r) = self.buttons.iter().find(|(b, _)| *b == button)?;
        let cx = (u32::from(r.x1) + u32::from(r.x2)) / 2;
        let cy = (u32::from(r.y1) + u32::from(r.y2)) / 2;
        let unmap = |px: u32, max: u16, size: u16| {
            // The middle of the pixel, so the round trip lands on it.
            ((2 * px + 1) * u32::from(max) / (2 * u32::from(size.max(1)))).min(u32::from(max))
                as u16
        };
        Some((unmap(cx, max_x, self.width), unmap(cy, max_y, self.height)))
    }

    /// The button under a pen position in tablet units, if any.
    pub fn button_at(&self, x: u16, y: u16, max_x: u16, max_y: u16) -> Option<PadButton> {
        let (sx, sy) = self.to_screen(x, y, max_x, max_y);
        self.buttons
            .iter()
            .find(|(_, r)| r.contains(sx, sy))
            .map(|(b, _)| *b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_standard_layout_fits_the_screen_and_its_buttons_do_not_overlap_the_signing_box() {
        for (w, h) in [(800, 480), (320, 200)] {
            let s = SignHereScreen::standard(w, h);
            let inside = |r: &ScreenRect| r.x2 <= w && r.y2 <= h && r.x1 < r.x2 && r.y1 < r.y2;
            assert!(inside(&s.signing_area));
            for (_, r) in &s.buttons {
                assert!(inside(r));
                assert!(
                    r.y1 >= s.signing_area.y2,
                    "{r:?} overlaps {:?}",
                    s.signing_area
                );
            }
        }
    }

    #[test]
    fn a_tap_at_a_buttons_centre_hits_that_button() {
        let s = SignHereScreen::standard(800, 480);
        for b in [PadButton::Accept, PadButton::Clear] {
            let (x, y) = s.tablet_centre(b, 9600, 6000).expect("the button exists");
            assert_eq!(s.button_at(x, y, 9600, 6000), Some(b));
        }
        assert_eq!(s.button_at(4800, 3000, 9600, 6000), None);
    }
}
