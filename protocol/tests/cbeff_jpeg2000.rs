//! CBEFF export with images re-encoded as lossless JPEG 2000: fingers become 19794-4 compression
//! 5, the face 19794-5 data type 2 and irises 19794-6 format 0x0A, each a JP2 file that decodes to
//! exactly the pixels the caller's decoder gave; a decoder failure or a size disagreement is a
//! transcode error naming the image.

use hayro_jpeg2000::{DecodeSettings, DecoderContext, Image as J2kImage};
use rekam_protocol::cbeff::{
    BdbRecord, Colour, ExportError, ExportImages, ImageChoice, Pixels, enrollment_bir_with,
};
use rekam_protocol::iso19794::face::FaceImageDataType;
use rekam_protocol::iso19794::finger_image::FingerCompression;
use rekam_protocol::iso19794::iris::IrisImageFormat;
use rekam_protocol::model::{Image, PixelFormat};
use rekam_protocol::timefmt::Timestamp;
use rekam_sim::sample::{self, SampleOptions};

/// Stand-in pixels for an image: a pattern that depends on its size, in its pixel format.
fn pixels_of(image: &Image) -> Pixels {
    let (colour, channels) = match image.pixels {
        PixelFormat::Gray8 => (Colour::Grey, 1),
        PixelFormat::Rgb8 => (Colour::Rgb, 3),
    };
    let n = (image.width * image.height) as usize * channels;
    Pixels {
        width: image.width,
        height: image.height,
        colour,
        samples: (0..n).map(|i| ((i * 37) ^ (i / 7)) as u8).collect(),
    }
}

fn jp2_decode(bytes: &[u8]) -> Vec<u8> {
    let image = J2kImage::new(bytes, &DecodeSettings::default()).expect("a JPEG 2000 image");
    let mut ctx = DecoderContext::default();
    image.decode(&mut ctx).expect("decodes").data_u8().to_vec()
}

fn enrollment() -> rekam_protocol::Enrollment {
    let mut opts = SampleOptions::tiny(5, "WS-1", 1_763_890_000_000);
    opts.iris_size = Some((40, 30));
    sample::enrollment(&opts)
}

#[test]
fn jpeg_2000_choices_write_every_image_as_a_lossless_jp2_of_the_decoded_pixels() {
    let e = enrollment();
    let decode = |image: &Image| Ok(pixels_of(image));
    let images = ExportImages {
        fingers: ImageChoice::Jpeg2000Lossless,
        face: ImageChoice::Jpeg2000Lossless,
        irises: ImageChoice::Jpeg2000Lossless,
        decode: &decode,
    };
    let doc = enrollment_bir_with(
        &e.biometrics,
        Timestamp::from_unix_ms(1_763_890_000_000),
        &images,
    )
    .expect("exports");
    let (mut fingers, mut faces, mut irises) = (0, 0, 0);
    for bir in doc.birs.iter().filter(|b| b.bdb.is_some()) {
        match bir.record().expect("a 19794 record") {
            BdbRecord::Finger(r) => {
                for rep in r.representations {
                    assert_eq!(rep.compression, FingerCompression::Jpeg2000Lossless);
                    let samples = jp2_decode(&rep.image);
                    let n = usize::from(rep.width) * usize::from(rep.height);
                    assert_eq!(samples.len(), n, "one gray sample per pixel");
                    assert_eq!(
                        samples,
                        (0..n)
                            .map(|i| ((i * 37) ^ (i / 7)) as u8)
                            .collect::<Vec<_>>()
                    );
                    fingers += 1;
                }
            }
            BdbRecord::Face(r) => {
                for rep in r.representations {
                    assert_eq!(
                        rep.image_info.data_type,
                        FaceImageDataType::Jpeg2000Lossless
                    );
                    assert_eq!(rep.image_info.colour_space, 1, "RGB 24 bit");
                    let n =
                        usize::from(rep.image_info.width) * usize::from(rep.image_info.height) * 3;
                    assert_eq!(jp2_decode(&rep.image).len(), n);
                    faces += 1;
                }
            }
            BdbRecord::Iris(r) => {
                for rep in r.representations {
                    assert_eq!(rep.format, IrisImageFormat::Jpeg2000);
                    assert_eq!(jp2_decode(&rep.image).len(), 40 * 30);
                    irises += 1;
                }
            }
        }
    }
    assert_eq!((fingers, faces, irises), (10, 1, 2));
}

#[test]
fn a_decoded_image_whose_size_disagrees_with_the_record_is_refused() {
    let e = enrollment();
    let decode = |image: &Image| {
        let mut px = pixels_of(image);
        px.width += 1;
        Ok(px)
    };
    let images = ExportImages {
        fingers: ImageChoice::Jpeg2000Lossless,
        face: ImageChoice::AsStored,
        irises: ImageChoice::AsStored,
        decode: &decode,
    };
    let err = enrollment_bir_with(&e.biometrics, Timestamp::from_unix_ms(0), &images)
        .expect_err("refused");
    assert!(
        matches!(&err, ExportError::Transcode { what, reason } if what.starts_with("finger at position") && reason.contains("decodes to")),
        "{err}"
    );
}

#[test]
fn an_image_that_does_not_decode_is_a_transcode_error_naming_it() {
    let e = enrollment();
    let decode = |_: &Image| Err("WSQ: truncated".to_string());
    let images = ExportImages {
        fingers: ImageChoice::AsStored,
        face: ImageChoice::Jpeg2000Lossless,
        irises: ImageChoice::AsStored,
        decode: &decode,
    };
    let err = enrollment_bir_with(&e.biometrics, Timestamp::from_unix_ms(0), &images)
        .expect_err("refused");
    assert_eq!(
        err.to_string(),
        "face: cannot re-encode as JPEG 2000: WSQ: truncated"
    );
}

#[test]
fn a_colour_finger_image_is_not_written_as_a_gray_finger_record() {
    let e = enrollment();
    let decode = |image: &Image| {
        let px = pixels_of(image);
        Ok(Pixels {
            colour: Colour::Rgb,
            samples: px.samples.iter().flat_map(|&v| [v, v, v]).collect(),
            ..px
        })
    };
    let images = ExportImages {
        fingers: ImageChoice::Jpeg2000Lossless,
        face: ImageChoice::AsStored,
        irises: ImageChoice::AsStored,
        decode: &decode,
    };
    let err = enrollment_bir_with(&e.biometrics, Timestamp::from_unix_ms(0), &images)
        .expect_err("refused");
    assert!(err.to_string().contains("must be 8-bit gray"), "{err}");
}
