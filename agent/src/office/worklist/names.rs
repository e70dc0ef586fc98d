//! Folding names for matching: a list typed in one office and an enrollment typed at the desk
//! spell the same resident differently (case, accents, apostrophes, spacing).
//!
//! Contract: [`key`] lowercases, folds Latin letters with diacritics to their base letter, drops
//! apostrophes, turns other punctuation into spaces and collapses whitespace; [`place_key`] also
//! drops a leading "desa", "kelurahan", "kel", "kecamatan" or "kec". Both are total functions.

/// The name folded for comparison: `"  SITI  Nur'aini "` and `"Siti Nuraini"` give the same key.
pub fn key(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut space = false;
    for c in name.chars().flat_map(char::to_lowercase) {
        let c = fold(c);
        if matches!(c, '\'' | '\u{2019}' | '\u{2018}' | '`' | '\u{b4}') {
            continue;
        }
        if c.is_alphanumeric() {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(c);
        } else {
            space = true;
        }
    }
    out
}

/// A desa or kecamatan name folded for comparison, without the kind word before it.
pub fn place_key(name: &str) -> String {
    let k = key(name);
    for prefix in ["desa ", "kelurahan ", "kel ", "kecamatan ", "kec "] {
        if let Some(rest) = k.strip_prefix(prefix) {
            return rest.to_string();
        }
    }
    k
}

/// The base letter of a Latin letter with a diacritic (the Latin-1 and common Latin Extended-A
/// ones); other characters unchanged.
fn fold(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => 'a',
        'ç' | 'ć' | 'č' => 'c',
        'ď' | 'đ' => 'd',
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' => 'e',
        'ì' | 'í' | 'î' | 'ï' | 'ī' | 'į' | 'ı' => 'i',
        'ñ' | 'ń' | 'ň' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => 'o',
        'ř' => 'r',
        'ś' | 'š' | 'ş' => 's',
        'ť' | 'ţ' => 't',
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' => 'u',
        'ý' | 'ÿ' => 'y',
        'ź' | 'ż' | 'ž' => 'z',
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_spacing_accents_and_apostrophes_do_not_change_the_key() {
        assert_eq!(key("  SITI  Nur'aini "), key("Siti Nuraini"));
        assert_eq!(key("René  Hutapea"), "rene hutapea");
        assert_eq!(key("Ma\u{2019}ruf Amin"), "maruf amin");
        assert_eq!(key("Abdul-Rahman, S.Pd"), "abdul rahman s pd");
    }

    #[test]
    fn a_place_key_drops_the_kind_word() {
        assert_eq!(place_key("Desa Sukamaju"), "sukamaju");
        assert_eq!(place_key("KEC. CIBINONG"), "cibinong");
        assert_eq!(place_key("Kelurahan Pasir Putih"), "pasir putih");
        assert_eq!(place_key("Sukamaju"), "sukamaju");
    }
}
