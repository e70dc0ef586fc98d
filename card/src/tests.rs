//! The card front as a whole: field order, escaping, wrapping, backdrop and well-formed XML.

use super::*;

fn fields() -> CardFields {
    CardFields {
        province: "Jawa Barat".into(),
        regency: "Kabupaten Bandung".into(),
        nik: "3204011708900001".into(),
        name: "Budi Santoso".into(),
        place_of_birth: "Bandung".into(),
        date_of_birth: "17-08-1990".into(),
        sex: "Laki-laki".into(),
        blood_type: "O".into(),
        address: "Jl. Merdeka No. 1".into(),
        rt_rw: "001/002".into(),
        village: "Cibeunying".into(),
        district: "Cimenyan".into(),
        religion: "Islam".into(),
        marital_status: "Kawin".into(),
        occupation: "Petani/Pekebun".into(),
        citizenship: "WNI".into(),
        valid_until: "Seumur Hidup".into(),
        issue_place: "Kab. Bandung".into(),
        issue_date: "02-12-2026".into(),
    }
}

const JPEG: &[u8] = &[
    0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F', 0xFF, 0xD9,
];

fn render(f: &CardFields) -> String {
    render_front(f, Some(JPEG), &Signature::None, Backdrop::Red).expect("a valid card renders")
}

/// Byte offset of the element whose text is exactly `s`.
fn at(svg: &str, s: &str) -> usize {
    svg.find(&format!(">{s}</text>"))
        .unwrap_or_else(|| panic!("{s:?} is not on the card:\n{svg}"))
}

/// The text content of every `<text>` element, unescaped only for the entities we write.
fn texts(svg: &str) -> Vec<String> {
    svg.split("<text ")
        .skip(1)
        .filter_map(|t| {
            let body = &t[t.find('>')? + 1..t.find("</text>")?];
            Some(
                body.replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&quot;", "\"")
                    .replace("&apos;", "'")
                    .replace("&amp;", "&"),
            )
        })
        .collect()
}

#[test]
fn the_fields_follow_the_cards_order() {
    let svg = render(&fields());
    let order = [
        "PROVINSI JAWA BARAT",
        "KABUPATEN BANDUNG",
        "NIK",
        "3204011708900001",
        "Nama",
        "BUDI SANTOSO",
        "Tempat/Tgl Lahir",
        "BANDUNG, 17-08-1990",
        "Jenis Kelamin",
        "LAKI-LAKI",
        "Gol. Darah",
        "O",
        "Alamat",
        "JL. MERDEKA NO. 1",
        "RT/RW",
        "001/002",
        "Kel/Desa",
        "CIBEUNYING",
        "Kecamatan",
        "CIMENYAN",
        "Agama",
        "ISLAM",
        "Status Perkawinan",
        "KAWIN",
        "Pekerjaan",
        "PETANI/PEKEBUN",
        "Kewarganegaraan",
        "WNI",
        "Berlaku Hingga",
        "SEUMUR HIDUP",
        "KAB. BANDUNG",
        "02-12-2026",
    ];
    let positions: Vec<usize> = order.iter().map(|s| at(&svg, s)).collect();
    for (w, pair) in positions.windows(2).enumerate() {
        assert!(
            pair[0] < pair[1],
            "{:?} comes after {:?}",
            order[w],
            order[w + 1]
        );
    }
}

#[test]
fn the_card_is_an_id1_document_in_millimetres() {
    let svg = render(&fields());
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"85.6mm\" height=\"53.98mm\" viewBox=\"0 0 85.6 53.98\""), "{svg}");
    assert!(svg.ends_with("</svg>"));
}

#[test]
fn markup_in_a_name_is_escaped_not_interpreted() {
    let mut f = fields();
    f.name = "Budi <b>&\"Santoso\"</b>".into();
    f.address = "Jl. A&B <x>".into();
    let svg = render(&f);
    assert!(
        svg.contains("BUDI &lt;B&gt;&amp;&quot;SANTOSO&quot;&lt;/B&gt;"),
        "{svg}"
    );
    assert!(!svg.contains("<B>"));
    assert!(!svg.contains("<X>"));
    xml::check(&svg).expect("escaped output is well-formed XML");
    assert!(texts(&svg).contains(&"BUDI <B>&\"SANTOSO\"</B>".to_string()));
}

#[test]
fn a_long_address_wraps_onto_a_second_line_with_every_word_kept() {
    let mut f = fields();
    f.address =
        "Jalan Pangeran Diponegoro Gang Mawar Merah Nomor 128 Blok C Perumahan Griya Asri".into();
    let svg = render(&f);
    let t = texts(&svg);
    let i = t
        .iter()
        .position(|s| s == "Alamat")
        .expect("the address label");
    // The value lines follow the label and its colon; the next label is RT/RW.
    let end = t.iter().position(|s| s == "RT/RW").expect("RT/RW label");
    let value: Vec<&String> = t[i + 2..end].iter().collect();
    assert_eq!(value.len(), 2, "{value:?}");
    let joined = value
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    assert_eq!(joined, f.address.to_uppercase());
    xml::check(&svg).expect("well-formed");
}

#[test]
fn text_too_long_for_its_field_is_compressed_never_cut() {
    let mut f = fields();
    f.occupation = "Karyawan ".repeat(30).trim_end().to_string();
    f.name = "A".repeat(100);
    let svg = render(&f);
    let t = texts(&svg);
    let i = t.iter().position(|s| s == "Pekerjaan").expect("label");
    let end = t
        .iter()
        .position(|s| s == "Kewarganegaraan")
        .expect("label");
    assert_eq!(t[i + 2..end].join(" "), f.occupation.to_uppercase());
    assert!(t.contains(&"A".repeat(100)), "the whole name is printed");
    assert!(svg.contains("lengthAdjust=\"spacingAndGlyphs\""));
    // Even with every field wrapped, the last line stays on the card.
    let last_y = svg
        .split("<text ")
        .filter_map(|t| {
            t.split("y=\"")
                .nth(1)?
                .split('"')
                .next()?
                .parse::<f64>()
                .ok()
        })
        .fold(0.0, f64::max);
    assert!(last_y < CARD_HEIGHT_MM, "{last_y}");
}

#[test]
fn the_backdrop_is_red_for_an_odd_birth_year_blue_for_even_and_orange_for_foreigners() {
    assert_eq!(Backdrop::for_resident(1991, false), Backdrop::Red);
    assert_eq!(Backdrop::for_resident(1990, false), Backdrop::Blue);
    assert_eq!(Backdrop::for_resident(2000, false), Backdrop::Blue);
    assert_eq!(Backdrop::for_resident(1991, true), Backdrop::Orange);
    assert_eq!(Backdrop::for_resident(1990, true), Backdrop::Orange);
    let blue =
        render_front(&fields(), Some(JPEG), &Signature::None, Backdrop::Blue).expect("renders");
    assert!(blue.contains(&format!(
        "fill=\"{}\" data-backdrop=\"blue\"",
        Backdrop::Blue.fill()
    )));
}

#[test]
fn the_photo_is_embedded_as_jpeg_and_cropped_to_its_frame() {
    let svg = render(&fields());
    assert!(svg.contains("href=\"data:image/jpeg;base64,/9j/"), "{svg}");
    assert!(svg.contains("preserveAspectRatio=\"xMidYMid slice\""));
    let without = render_front(&fields(), None, &Signature::None, Backdrop::Red).expect("renders");
    assert!(!without.contains("<image"));
    assert!(without.contains("data-backdrop=\"red\""));
}

#[test]
fn a_photo_that_is_not_jpeg_is_refused() {
    let png = b"\x89PNG\r\n\x1a\n";
    assert_eq!(
        render_front(&fields(), Some(png), &Signature::None, Backdrop::Red),
        Err(CardError::PhotoNotJpeg)
    );
}

#[test]
fn the_signature_is_drawn_beneath_the_photo_from_a_path_or_a_png() {
    let sig = Signature::Path {
        d: path_from_pen(&[(10, 10, 1), (200, 90, 1)], true),
        width: 320.0,
        height: 100.0,
    };
    let svg = render_front(&fields(), Some(JPEG), &sig, Backdrop::Red).expect("renders");
    assert!(
        svg.contains("viewBox=\"0 0 320 100\"><path d=\"M10 10 L200 90\""),
        "{svg}"
    );
    xml::check(&svg).expect("well-formed");
    let png = Signature::Png(b"\x89PNG\r\n\x1a\nrest".to_vec());
    let svg = render_front(&fields(), Some(JPEG), &png, Backdrop::Red).expect("renders");
    assert!(svg.contains("href=\"data:image/png;base64,iVBORw0KGg"));
}

#[test]
fn the_output_parses_as_xml() {
    xml::check(&render(&fields())).expect("well-formed");
    // And the checker is not a rubber stamp.
    assert!(xml::check("<svg><text>a</svg>").is_err());
    assert!(xml::check("<svg a=\"1\"><text>a & b</text></svg>").is_err());
    assert!(xml::check("<svg a=1></svg>").is_err());
    assert!(xml::check("<svg></svg><svg></svg>").is_err());
}

#[test]
fn two_cards_on_one_page_do_not_share_ids() {
    let a = render(&fields());
    let mut other = fields();
    other.nik = "3204014508950002".into();
    let b = render(&other);
    assert!(a.contains("id=\"ktp3204011708900001-p\""));
    assert!(b.contains("id=\"ktp3204014508950002-p\""));
}

/// A small well-formedness check: one root element, tags nested and closed in order, attributes
/// quoted, `<` never in text or values, `&` only as an entity.
mod xml {
    pub fn check(doc: &str) -> Result<(), String> {
        let mut stack: Vec<&str> = Vec::new();
        let mut roots = 0;
        let mut rest = doc;
        while !rest.is_empty() {
            match rest.find('<') {
                None => {
                    text(rest)?;
                    if !rest.trim().is_empty() {
                        return Err("text after the root".into());
                    }
                    break;
                }
                Some(i) => {
                    text(&rest[..i])?;
                    if stack.is_empty() && !rest[..i].trim().is_empty() {
                        return Err("text outside the root".into());
                    }
                    rest = &rest[i + 1..];
                }
            }
            let end = rest.find('>').ok_or("unclosed tag")?;
            let tag = &rest[..end];
            rest = &rest[end + 1..];
            if let Some(name) = tag.strip_prefix('/') {
                let open = stack.pop().ok_or("close without open")?;
                if open != name.trim() {
                    return Err(format!("</{name}> closes <{open}>"));
                }
                continue;
            }
            let selfclosing = tag.ends_with('/');
            let tag = tag.trim_end_matches('/');
            let (name, attrs) = tag.split_once(char::is_whitespace).unwrap_or((tag, ""));
            if name.is_empty()
                || !name
                    .chars()
                    .all(|c| c.is_alphanumeric() || ":-_".contains(c))
            {
                return Err(format!("bad tag name {name:?}"));
            }
            attributes(attrs)?;
            if stack.is_empty() {
                roots += 1;
                if roots > 1 {
                    return Err("more than one root".into());
                }
            }
            if !selfclosing {
                stack.push(name);
            }
        }
        if let Some(open) = stack.pop() {
            return Err(format!("<{open}> never closed"));
        }
        if roots == 1 {
            Ok(())
        } else {
            Err("no root".into())
        }
    }

    fn attributes(mut s: &str) -> Result<(), String> {
        loop {
            s = s.trim_start();
            if s.is_empty() {
                return Ok(());
            }
            let eq = s.find('=').ok_or("attribute without value")?;
            let name = s[..eq].trim();
            if name.is_empty()
                || !name
                    .chars()
                    .all(|c| c.is_alphanumeric() || ":-_".contains(c))
            {
                return Err(format!("bad attribute name {name:?}"));
            }
            let after = s[eq + 1..].trim_start();
            let q = after.chars().next().ok_or("missing value")?;
            if q != '"' && q != '\'' {
                return Err(format!("unquoted value of {name}"));
            }
            let close = after[1..].find(q).ok_or("unterminated value")?;
            let value = &after[1..1 + close];
            if value.contains('<') {
                return Err(format!("< in the value of {name}"));
            }
            text(value)?;
            s = &after[close + 2..];
        }
    }

    fn text(s: &str) -> Result<(), String> {
        let mut rest = s;
        while let Some(i) = rest.find('&') {
            rest = &rest[i + 1..];
            let end = rest.find(';').ok_or("& without ;")?;
            let entity = &rest[..end];
            let ok = matches!(entity, "amp" | "lt" | "gt" | "quot" | "apos")
                || entity
                    .strip_prefix('#')
                    .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
            if !ok {
                return Err(format!("bad entity &{entity};"));
            }
            rest = &rest[end + 1..];
        }
        Ok(())
    }
}
