//! The words of the visit pages (`/visits...`, mobile-unit "jemput bola" visits), Indonesian
//! first.
//!
//! Contract: every word those templates show comes from here; a `{}` is filled in order by
//! [`crate::console::i18n::fill`].

crate::catalogue! {
    /// Strings of the visit pages.
    pub struct VisitText {
        // The list.
        title: ("Kunjungan jemput bola", "Mobile-unit visits"),
        intro: ("Perekaman di luar kantor: sekolah, lapas, balai desa, atau rumah warga. Selama kunjungan dibuka, perekaman yang selesai tercatat pada kunjungan itu.", "Enrollment away from the office: schools, prisons, village halls or residents' homes. While a visit is open, every enrollment finished is counted for it."),
        new_visit: ("Rencanakan kunjungan", "Plan a visit"),
        open_title: ("Kunjungan yang sedang dibuka", "The open visit"),
        open_none: ("Tidak ada kunjungan yang sedang dibuka.", "No visit is open."),
        planned_title: ("Rencana kunjungan", "Planned visits"),
        planned_none: ("Belum ada rencana kunjungan.", "No visit is planned."),
        closed_title: ("Kunjungan yang sudah ditutup", "Closed visits"),
        closed_none: ("Belum ada kunjungan yang ditutup.", "No visit has been closed yet."),
        plan_title: ("Saran kunjungan berikutnya", "Where to go next"),
        plan_intro: ("Desa/kelurahan dengan sasaran terbanyak yang belum merekam, kecamatan dengan sasaran terbanyak lebih dulu. Desa yang dikunjungi (atau direncanakan) sejak {} tidak ditampilkan.", "Villages with the most residents still to record, the kecamatan with the most first. Villages with a visit (or a planned one) since {} are left out."),
        plan_none: ("Tidak ada saran: semua sasaran yang belum merekam berada di desa yang baru dikunjungi, atau daftar sasaran kosong.", "Nothing to suggest: every resident still to record is in a village visited recently, or the worklist is empty."),
        plan_here: ("Rencanakan kunjungan", "Plan a visit"),
        plan_here_label: ("Rencanakan kunjungan ke {}", "Plan a visit to {}"),
        col_kecamatan: ("Kecamatan", "Kecamatan"),
        col_kecamatan_backlog: ("Sasaran di kecamatan", "Residents in the kecamatan"),
        col_desa: ("Desa/kelurahan", "Village"),
        col_backlog: ("Sasaran di desa", "Residents in the village"),
        col_last_visit: ("Kunjungan terakhir", "Last visit"),
        never: ("belum pernah", "never"),
        col_day: ("Tanggal", "Date"),
        col_place: ("Tempat", "Place"),
        col_targets: ("Sasaran", "Residents"),
        col_action: ("Tindakan", "Action"),
        col_figures: ("Hasil", "Results"),
        figures_line: ("{} selesai direkam, {} sasaran belum merekam", "{} enrollments finished, {} residents still to record"),
        // Actions.
        open_button: ("Buka kunjungan", "Open visit"),
        open_label: ("Buka kunjungan {}", "Open visit {}"),
        close_button: ("Tutup kunjungan", "Close visit"),
        close_label: ("Tutup kunjungan {}", "Close visit {}"),
        close_hint: ("Menutup kunjungan mencatat hasilnya. Perekaman yang selesai sesudahnya tidak lagi tercatat pada kunjungan ini.", "Closing the visit records its results. Enrollments finished afterwards no longer count for it."),
        opened_done: ("Kunjungan {} dibuka. Mulai perekaman dari daftar sasarannya.", "Visit {} is open. Start enrollments from its list."),
        closed_done: ("Kunjungan {} ditutup dan hasilnya dicatat.", "Visit {} is closed and its results are recorded."),
        planned_done: ("Kunjungan {} direncanakan.", "Visit {} is planned."),
        refused_other_open: ("Kunjungan {} ({}) masih dibuka. Tutup kunjungan itu dulu sebelum membuka yang lain.", "Visit {} ({}) is still open. Close it before opening another."),
        refused_already_open: ("Kunjungan {} sudah dibuka.", "Visit {} is already open."),
        refused_already_closed: ("Kunjungan {} sudah ditutup; kunjungan yang ditutup tidak dapat dibuka lagi.", "Visit {} is already closed; a closed visit cannot be opened again."),
        refused_not_open: ("Kunjungan {} belum dibuka, jadi belum dapat ditutup.", "Visit {} is not open yet, so it cannot be closed."),
        refused_closed_twice: ("Kunjungan {} sudah ditutup.", "Visit {} is already closed."),
        refused: ("Tidak dapat disimpan: {}", "Could not be saved: {}"),
        // One visit.
        visit_title: ("Kunjungan {}: {}", "Visit {}: {}"),
        status_planned: ("Direncanakan", "Planned"),
        status_open: ("Sedang dibuka", "Open"),
        status_closed: ("Ditutup", "Closed"),
        row_status: ("Keadaan", "Status"),
        row_place: ("Tempat", "Place"),
        row_desa: ("Desa/kelurahan", "Village"),
        row_kecamatan: ("Kecamatan", "Kecamatan"),
        row_day: ("Tanggal", "Date"),
        row_unit: ("Unit keliling", "Mobile unit"),
        row_staff: ("Petugas", "Staff"),
        row_planned_by: ("Direncanakan oleh", "Planned by"),
        row_opened: ("Dibuka", "Opened"),
        row_closed: ("Ditutup", "Closed"),
        by_at: ("{} pada {}", "{} at {}"),
        no_unit: ("—", "—"),
        figures_live: ("Hasil sejauh ini", "Results so far"),
        figures_planned: ("Sasaran kunjungan", "Who the visit is for"),
        figures_recorded: ("Hasil yang dicatat saat ditutup", "Results recorded at closing"),
        fig_started: ("Perekaman dimulai", "Enrollments started"),
        fig_finalized: ("Perekaman selesai", "Enrollments finished"),
        fig_first_time: ("Pemilih pemula", "First-time voters"),
        fig_targeted: ("Sasaran", "Residents targeted"),
        fig_matched: ("Sudah merekam", "Recorded"),
        fig_closed: ("Ditutup, alasan lain", "Closed otherwise"),
        fig_remaining: ("Belum merekam", "Still to record"),
        targets_title: ("Sasaran kunjungan ({})", "Residents on the visit's list ({})"),
        targets_none: ("Kunjungan ini tidak mempunyai sasaran dari daftar.", "This visit has no residents from the worklist."),
        col_name: ("Nama", "Name"),
        col_address: ("Alamat", "Address"),
        col_entry_status: ("Keadaan", "Status"),
        entry_open: ("Belum merekam", "Still to record"),
        entry_matched: ("Sudah merekam", "Recorded"),
        entry_closed: ("Ditutup: {}", "Closed: {}"),
        outcome_recorded_here: ("direkam di sini", "recorded here"),
        outcome_recorded_elsewhere: ("sudah merekam di tempat lain", "recorded elsewhere"),
        outcome_deceased: ("meninggal dunia", "deceased"),
        outcome_moved_away: ("pindah", "moved away"),
        outcome_not_found: ("tidak ditemukan", "not found"),
        outcome_refused: ("menolak merekam", "refused to record"),
        to_worklist: ("Mulai perekaman dari daftar sasaran", "Start enrollments from the list"),
        back_to_visits: ("Kembali ke daftar kunjungan", "Back to the visits"),
        // Place kinds.
        kind_school: ("Sekolah", "School"),
        kind_prison: ("Lapas/rutan", "Prison"),
        kind_village_hall: ("Balai desa/kantor kelurahan", "Village hall"),
        kind_home: ("Rumah warga", "A resident's home"),
        kind_other: ("Tempat lain", "Somewhere else"),
        // The new-visit form.
        new_title: ("Rencanakan kunjungan", "Plan a visit"),
        new_intro: ("Sasaran kunjungan adalah semua penduduk di desa/kelurahan itu yang belum merekam.", "The visit is for every resident of the village who has still to record."),
        place_kind: ("Jenis tempat", "Kind of place"),
        place_name: ("Nama tempat", "Name of the place"),
        place_name_hint: ("Misalnya SMAN 1 Cileunyi, Balai Desa Cibiru Wetan, atau alamat rumah.", "For example SMAN 1 Cileunyi, Balai Desa Cibiru Wetan, or a home address."),
        desa: ("Desa/kelurahan", "Village"),
        desa_hint: ("Dari wilayah yang sudah diimpor; kecamatannya mengikuti.", "From the imported regions; its kecamatan follows."),
        desa_choose: ("Pilih desa/kelurahan", "Choose a village"),
        no_regions: ("Belum ada wilayah yang diimpor. Impor wilayah dengan perintah rekam worklist regions import sebelum merencanakan kunjungan.", "No regions have been imported. Import them with rekam worklist regions import before planning a visit."),
        day: ("Tanggal kunjungan", "Date of the visit"),
        day_hint: ("Hari petugas datang ke tempat itu.", "The day the staff go to the place."),
        unit: ("Unit keliling (tidak wajib)", "Mobile unit (optional)"),
        unit_hint: ("Kode mobil atau unit keliling, bila kunjungan memakai unit keliling.", "The mobile unit's code, when the visit uses one."),
        staff: ("Petugas", "Staff"),
        staff_hint: ("Pilih paling sedikit satu petugas dengan akun aktif.", "Choose at least one staff member with an active account."),
        create_button: ("Simpan rencana kunjungan", "Save the planned visit"),
        err_kind: ("Pilih jenis tempat", "Choose the kind of place"),
        err_place_name: ("Tulis nama tempat", "Enter the name of the place"),
        err_place_long: ("Nama tempat paling banyak 120 karakter", "The name of the place can be at most 120 characters"),
        err_desa_missing: ("Pilih desa/kelurahan", "Choose the village"),
        err_desa_unknown: ("Desa/kelurahan {} tidak ada di wilayah yang diimpor", "The village {} is not among the imported regions"),
        err_day_missing: ("Tulis tanggal kunjungan", "Enter the date of the visit"),
        err_day_bad: ("Tulis tanggal sebagai tahun-bulan-hari, misalnya 2026-12-03", "Enter the date as year-month-day, for example 2026-12-03"),
        err_unit_long: ("Kode unit keliling paling banyak 64 karakter", "The mobile unit's code can be at most 64 characters"),
        err_staff_missing: ("Pilih paling sedikit satu petugas", "Choose at least one staff member"),
        err_staff_unknown: ("{} bukan akun petugas yang aktif", "{} is not an active staff account"),
    }
}

#[cfg(test)]
mod tests {
    use super::VisitText;

    /// WCAG 2.5.3 (label in name): a control's accessible name starts with the words it shows.
    #[test]
    fn every_accessible_name_holds_the_visible_text_of_its_control() {
        for t in [VisitText::ID, VisitText::EN] {
            for (visible, name) in [
                (t.open_button, t.open_label),
                (t.close_button, t.close_label),
                (t.plan_here, t.plan_here_label),
            ] {
                assert!(
                    name.to_lowercase().starts_with(&visible.to_lowercase()),
                    "{name:?} does not start with {visible:?}"
                );
            }
        }
    }
}
