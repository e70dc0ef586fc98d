//! Languages and message catalogues of the console.
//!
//! Contract: every word a screen shows comes from a catalogue declared with [`catalogue!`], which
//! takes each string as an (Indonesian, English) pair, so a string missing in either language
//! does not compile. Indonesian is the default. A `{}` in a string is filled by [`fill`].

use std::fmt::Display;

/// A console language.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Lang {
    /// Bahasa Indonesia (the default).
    #[default]
    Id,
    /// English.
    En,
}

impl Lang {
    /// The BCP 47 code, for `<html lang>` and the cookie.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Id => "id",
            Lang::En => "en",
        }
    }

    /// From a code; anything else is the default.
    pub fn parse(code: &str) -> Lang {
        match code {
            "en" => Lang::En,
            _ => Lang::Id,
        }
    }

    /// The other language (what the one-click switch offers).
    pub fn other(self) -> Lang {
        match self {
            Lang::Id => Lang::En,
            Lang::En => Lang::Id,
        }
    }
}

/// `template` with its first `{}` replaced by `arg`.
pub fn fill(template: &str, arg: impl Display) -> String {
    template.replacen("{}", &arg.to_string(), 1)
}

/// `template` with its first two `{}` replaced by `a` and `b`.
pub fn fill2(template: &str, a: impl Display, b: impl Display) -> String {
    fill(&fill(template, a), b)
}

/// Declares a catalogue: a struct of `&'static str` fields with one constant per language.
///
/// ```ignore
/// rekam_agent::catalogue! {
///     /// Strings of a screen.
///     pub struct ScreenText {
///         title: ("Judul", "Title"),
///     }
/// }
/// ```
#[macro_export]
macro_rules! catalogue {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $( $(#[$fmeta:meta])* $field:ident : ($id:expr, $en:expr) ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug)]
        $vis struct $name {
            $( $(#[$fmeta])* #[allow(missing_docs)] pub $field: &'static str, )*
        }

        impl $name {
            /// In Bahasa Indonesia.
            #[allow(dead_code)]
            pub const ID: &'static $name = &$name { $( $field: $id, )* };
            /// In English.
            #[allow(dead_code)]
            pub const EN: &'static $name = &$name { $( $field: $en, )* };

            /// The catalogue in `lang`.
            #[allow(dead_code)]
            pub fn for_lang(lang: $crate::console::i18n::Lang) -> &'static $name {
                match lang {
                    $crate::console::i18n::Lang::Id => Self::ID,
                    $crate::console::i18n::Lang::En => Self::EN,
                }
            }
        }
    };
}

crate::catalogue! {
    /// Strings every screen shares: the header, navigation, sign-in, lock and error pages.
    pub struct Common {
        app_name: ("rekam — Perekaman KTP-el", "rekam — e-KTP enrollment"),
        skip_to_content: ("Langsung ke isi", "Skip to content"),
        switch_language: ("English", "Bahasa Indonesia"),
        switch_language_hint: ("Ganti bahasa ke English", "Switch the language to Bahasa Indonesia"),
        nav_label: ("Menu utama", "Main menu"),
        nav_home: ("Beranda", "Home"),
        nav_new_enrollment: ("Perekaman baru", "New enrollment"),
        nav_worklist: ("Daftar sasaran", "Worklist"),
        nav_visits: ("Kunjungan", "Visits"),
        nav_outbox: ("Kiriman", "Outbox"),
        nav_audit: ("Log audit", "Audit log"),
        nav_figures: ("Angka & laporan", "Figures & reports"),
        nav_operators: ("Operator", "Operators"),
        nav_technician: ("Teknisi", "Technician"),
        nav_cards_queue: ("Antrean cetak", "Print queue"),
        nav_cards_stock: ("Stok blangko", "Blank cards"),
        nav_cards_pickup: ("Pengambilan KTP", "Card pickup"),
        signed_in_as: ("Masuk sebagai {}", "Signed in as {}"),
        sign_out: ("Keluar", "Sign out"),
        lock_now: ("Kunci layar", "Lock screen"),
        role_operator: ("Operator", "Operator"),
        role_supervisor: ("Supervisor", "Supervisor"),
        role_technician: ("Teknisi", "Technician"),
        role_admin: ("Administrator", "Administrator"),
        error_summary_title: ("Ada masalah", "There is a problem"),
        error_prefix: ("Kesalahan:", "Error:"),
        sign_in_title: ("Masuk", "Sign in"),
        sign_in_intro: ("Masuk dengan ID operator dan kata sandi Anda.", "Sign in with your operator id and password."),
        operator_id: ("ID operator", "Operator id"),
        operator_id_hint: ("Diberikan oleh administrator kantor Anda.", "Given to you by your office's administrator."),
        password: ("Kata sandi", "Password"),
        sign_in_button: ("Masuk", "Sign in"),
        sign_in_missing_id: ("Masukkan ID operator Anda", "Enter your operator id"),
        sign_in_missing_password: ("Masukkan kata sandi Anda", "Enter your password"),
        sign_in_wrong: ("ID operator atau kata sandi salah. Sisa percobaan sebelum akun dikunci: {}", "The operator id or password is wrong. Attempts left before the account locks: {}"),
        sign_in_wrong_unknown: ("ID operator atau kata sandi salah", "The operator id or password is wrong"),
        sign_in_locked: ("Akun dikunci karena 5 kali salah kata sandi, sampai pukul {}. Coba lagi setelah itu atau hubungi supervisor.", "The account is locked after 5 wrong passwords until {}. Try again after that, or ask a supervisor."),
        sign_in_disabled: ("Akun ini dinonaktifkan. Hubungi administrator.", "This account is disabled. Ask an administrator."),
        lock_title: ("Layar terkunci", "Screen locked"),
        lock_intro: ("Layar dikunci karena tidak ada aktivitas. Perekaman yang sedang berjalan tetap tersimpan. {}, masukkan kata sandi Anda untuk melanjutkan.", "The screen locked after a period of inactivity. The enrollment in progress is kept. {}, enter your password to continue."),
        unlock_button: ("Buka kunci", "Unlock"),
        lock_other_operator: ("Bukan Anda? Keluar agar operator lain dapat masuk.", "Not you? Sign out so another operator can sign in."),
        forbidden_title: ("Tidak diizinkan", "Not allowed"),
        forbidden_body: ("Peran Anda tidak dapat membuka halaman ini.", "Your role cannot open this page."),
        csrf_title: ("Permintaan ditolak", "Request refused"),
        csrf_body: ("Formulir ini sudah kedaluwarsa atau tidak berasal dari konsol ini. Muat ulang halaman dan coba lagi.", "This form has expired or did not come from this console. Reload the page and try again."),
        not_found_title: ("Halaman tidak ditemukan", "Page not found"),
        not_found_body: ("Periksa alamatnya, atau kembali ke beranda.", "Check the address, or go back to the home page."),
        back_home: ("Kembali ke beranda", "Back to the home page"),
        internal_title: ("Terjadi kesalahan", "Something went wrong"),
        internal_body: ("Tidak ada data yang hilang. Coba lagi; jika masih gagal, hubungi teknisi dengan pesan ini: {}", "Nothing was lost. Try again; if it keeps failing, give a technician this message: {}"),
        home_title: ("Beranda", "Home"),
        home_welcome: ("Selamat datang, {}", "Welcome, {}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_placeholder_is_filled_once_and_the_languages_differ() {
        assert_eq!(fill("Sisa {}", 3), "Sisa 3");
        assert_eq!(fill2("{} dari {}", 1, 2), "1 dari 2");
        assert_ne!(Common::ID.sign_in_title, Common::EN.password);
        assert_eq!(Common::for_lang(Lang::En).sign_out, "Sign out");
        assert_eq!(Lang::parse("en").other(), Lang::Id);
    }
}
