//! The SBI `STREAM` reader: any bytes, pushed in pieces of any size, never panic, and no frame
//! it returns is larger than its limit.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rekam_protocol::sbi::mjpeg::MjpegReader;

fuzz_target!(|data: &[u8]| {
    let Some((&step, rest)) = data.split_first() else {
        return;
    };
    let Ok(mut r) = MjpegReader::new("multipart/x-mixed-replace; boundary=f", 256) else {
        return;
    };
    for chunk in rest.chunks(usize::from(step).max(1)) {
        if r.push(chunk).is_err() {
            return;
        }
        loop {
            match r.next_frame() {
                Ok(Some(f)) => assert!(f.data.len() <= 256),
                Ok(None) => break,
                Err(_) => return,
            }
        }
    }
});
