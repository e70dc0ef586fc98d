//! The strings of the worklist screens (`/desk/worklist...`), in Bahasa Indonesia and English.
//!
//! Contract: every word those templates show comes from here; a `{}` is filled in order by
//! [`crate::console::i18n::fill`].

crate::catalogue! {
    /// Strings of the worklist screens.
    pub struct WorklistText {
        title_all: ("Daftar penduduk wajib KTP-el yang belum merekam", "Residents who must still record"),
        title_visit: ("Sasaran kunjungan: {}, {}", "Visit list: {}, {}"),
        intro_all: ("Tidak ada kunjungan yang sedang dibuka: daftar ini memuat semua sasaran yang belum merekam.", "No visit is open: this list holds every resident still to record."),
        intro_visit: ("Kunjungan {} tanggal {}. Mulai perekaman dari daftar: data penduduk terisi otomatis.", "Visit {} on {}. Start an enrollment from the list: the resident's data is filled in."),
        search_label: ("Cari nama, NIK, atau alamat", "Search by name, NIK or address"),
        search_hint: ("Semua kata harus cocok, misalnya: siti mawar", "Every word must match, for example: siti mawar"),
        search_button: ("Cari", "Search"),
        clear_search: ("Tampilkan semua", "Show all"),
        count: ("{} sasaran", "{} residents"),
        count_search: ("{} sasaran cocok dengan \u{201c}{}\u{201d}", "{} residents match \u{201c}{}\u{201d}"),
        count_capped: ("Hanya {} pertama yang ditampilkan; persempit pencarian.", "Only the first {} are shown; narrow the search."),
        none: ("Tidak ada sasaran yang belum merekam.", "Nobody is left to record."),
        none_search: ("Tidak ada sasaran yang cocok. Periksa ejaan atau cari dengan NIK.", "Nobody matches. Check the spelling or search by NIK."),
        col_name: ("Nama", "Name"),
        col_nik: ("NIK", "NIK"),
        col_birth: ("Tanggal lahir", "Date of birth"),
        col_address: ("Alamat", "Address"),
        col_reason: ("Keterangan", "Note"),
        col_action: ("Tindakan", "Action"),
        no_nik: ("belum diketahui", "not known"),
        first_time_voter: ("Pemilih pemula", "First-time voter"),
        start: ("Mulai perekaman", "Start enrollment"),
        start_label: ("Mulai perekaman {}", "Start enrollment of {}"),
        candidates_link: ("Periksa {} kemungkinan kecocokan", "Check {} possible matches"),
        candidates_title: ("Kemungkinan kecocokan", "Possible matches"),
        candidates_intro: ("Perekaman ini mempunyai nama, tanggal lahir, dan desa yang sama dengan sasaran tanpa NIK. Periksa satu per satu.", "These enrollments have the same name, date of birth and village as a resident listed without a NIK. Check them one by one."),
        candidates_none: ("Tidak ada kecocokan yang menunggu pemeriksaan.", "No matches are waiting to be checked."),
        check: ("Periksa", "Check"),
        check_label: ("Periksa kecocokan {}", "Check the match of {}"),
        decide_title: ("Apakah ini orang yang sama?", "Is this the same person?"),
        on_list: ("Di daftar sasaran", "On the list"),
        recorded: ("Yang direkam", "Recorded"),
        col_village: ("Desa/Kelurahan", "Village"),
        col_enrollment: ("Perekaman", "Enrollment"),
        same: ("Ya, orang yang sama: sasaran tercatat sudah merekam", "Yes, the same person: the resident is marked as recorded"),
        different: ("Bukan, orang lain: sasaran tetap belum merekam", "No, someone else: the resident stays on the list"),
        decide_button: ("Simpan", "Save"),
        choose_one: ("Pilih apakah ini orang yang sama", "Choose whether this is the same person"),
        confirmed: ("{} dicatat sudah merekam (perekaman {}).", "{} is marked as recorded (enrollment {})."),
        rejected: ("Perekaman {} bukan {}; sasaran tetap di daftar.", "Enrollment {} is not {}; they stay on the list."),
        refused: ("Tidak dapat disimpan: {}", "Could not be saved: {}"),
        back_to_list: ("Kembali ke daftar sasaran", "Back to the list"),
    }
}
