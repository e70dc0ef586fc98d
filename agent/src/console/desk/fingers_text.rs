//! The strings of the fingers and irises screens of the enrollment desk, Indonesian first.
//!
//! Contract: every word those screens show comes from here (the finger names included), so a
//! screen never mixes languages; `{}` marks a value filled in by `fill` in order.

crate::catalogue! {
    /// Strings of the fingers, finger exception and irises screens.
    pub struct FingersText {
        fingers_title: ("Sidik jari", "Fingerprints"),
        fingers_lead: (
            "Ambil kesepuluh jari: empat jari kanan, empat jari kiri, lalu kedua ibu jari.",
            "Take all ten fingers: the right four, the left four, then both thumbs."
        ),
        finger_1: ("Ibu jari kanan", "Right thumb"),
        finger_2: ("Jari telunjuk kanan", "Right index finger"),
        finger_3: ("Jari tengah kanan", "Right middle finger"),
        finger_4: ("Jari manis kanan", "Right ring finger"),
        finger_5: ("Jari kelingking kanan", "Right little finger"),
        finger_6: ("Ibu jari kiri", "Left thumb"),
        finger_7: ("Jari telunjuk kiri", "Left index finger"),
        finger_8: ("Jari tengah kiri", "Left middle finger"),
        finger_9: ("Jari manis kiri", "Left ring finger"),
        finger_10: ("Jari kelingking kiri", "Left little finger"),
        left_hand: ("Tangan kiri", "Left hand"),
        right_hand: ("Tangan kanan", "Right hand"),
        diagram_label: (
            "Diagram dua tangan, telapak menghadap ke bawah seperti dilihat operator",
            "Two-hand diagram, palms down as the operator sees them"
        ),
        diagram_hint: (
            "Pilih sebuah jari untuk mencatat pengecualian (diamputasi, diperban, tidak dapat direkam).",
            "Choose a finger to record an exception (amputated, bandaged, unable to print)."
        ),
        legend_title: ("Keterangan", "Key"),
        state_pending: ("belum diambil", "not taken yet"),
        state_asked: ("diminta sekarang", "asked for now"),
        state_accepted: ("diterima", "accepted"),
        state_retake: ("di bawah batas, ambil lagi", "below the gate, take again"),
        state_forced: ("dipaksa: di bawah batas setelah semua percobaan", "forced: below the gate after every attempt"),
        state_exception: ("pengecualian", "exception"),
        state_refused: ("ditolak: sama dengan jari lain", "refused: matches another finger"),
        name_state: ("{} — {}", "{} — {}"),
        name_score_state: ("{} — NFIQ 2: {}, {}", "{} — NFIQ 2: {}, {}"),
        name_exception: ("{} — pengecualian: {}", "{} — exception: {}"),
        name_refused: ("{} — ditolak: sama dengan {}", "{} — refused: matches the {}"),
        reason_amputated: ("diamputasi", "amputated"),
        reason_bandaged: ("diperban", "bandaged"),
        reason_unable: ("tidak dapat direkam", "unable to print"),
        slap_right: ("Empat jari kanan", "Right four fingers"),
        slap_left: ("Empat jari kiri", "Left four fingers"),
        slap_thumbs: ("Kedua ibu jari", "Both thumbs"),
        next_slap: ("Berikutnya: {}", "Next: {}"),
        place_right: (
            "Minta pemohon meletakkan jari telunjuk sampai kelingking tangan kanan rata di pemindai.",
            "Ask the resident to lay the right index to little fingers flat on the scanner."
        ),
        place_left: (
            "Minta pemohon meletakkan jari telunjuk sampai kelingking tangan kiri rata di pemindai.",
            "Ask the resident to lay the left index to little fingers flat on the scanner."
        ),
        place_thumbs: (
            "Minta pemohon meletakkan kedua ibu jari berdampingan di pemindai.",
            "Ask the resident to lay both thumbs side by side on the scanner."
        ),
        place_single: (
            "Minta pemohon meletakkan {} di pemindai.",
            "Ask the resident to place the {} on the scanner."
        ),
        asked_now: ("Diminta: {}", "Asked for: {}"),
        preview_alt: ("Pratinjau langsung pemindai sidik jari", "Live preview of the fingerprint scanner"),
        capture_slap: ("Ambil {}", "Capture: {}"),
        capture_single: ("Ambil jari ini", "Capture this finger"),
        try_again: ("Coba lagi", "Try again"),
        other_slaps: ("Atau ambil slap lain:", "Or take another slap:"),
        quality_title: ("Kualitas per jari (NFIQ 2)", "Quality per finger (NFIQ 2)"),
        quality_gate: ("Batas mutu: {} dari 100", "Quality gate: {} of 100"),
        col_finger: ("Jari", "Finger"),
        col_quality: ("NFIQ 2", "NFIQ 2"),
        col_state: ("Keadaan", "State"),
        col_attempts: ("Sisa percobaan", "Attempts left"),
        bar_label: ("NFIQ 2: {}; batas {}", "NFIQ 2: {}; gate {}"),
        iris_bar_label: ("Skor iris: {}; batas {}", "Iris score: {}; gate {}"),
        no_score: ("—", "—"),
        last_title: ("Hasil pengambilan terakhir", "Last capture"),
        last_line: ("{}: NFIQ 2 {}, {}", "{}: NFIQ 2 {}, {}"),
        retake_left: ("di bawah batas {}; sisa percobaan: {}", "below the gate {}; attempts left: {}"),
        forced_kept: ("di bawah batas setelah semua percobaan; dipakai yang terbaik ({}) dan ditandai dipaksa", "below the gate after every attempt; the best ({}) is kept, marked forced"),
        advice_flat: (
            "Terlalu sedikit bagian jari di pemindai: tekan seluruh ujung jari rata.",
            "Too little finger on the platen: press the whole fingertip flat."
        ),
        advice_clean: (
            "Terlalu sedikit detail alur ditemukan: bersihkan pemindai dan jari.",
            "Too few ridge details found: clean the platen and the finger."
        ),
        advice_light: (
            "Sidik terlalu terang: tekan sedikit lebih kuat atau lembapkan jari yang kering.",
            "The print is too light: press a little harder or moisten a dry finger."
        ),
        advice_unscored: (
            "NFIQ 2 tidak dapat menilai sidik ini: letakkan jari lagi.",
            "NFIQ 2 could not score this print: place the finger again."
        ),
        not_found_title: ("Tidak ditemukan pada slap", "Not found in the slap"),
        not_found_lead: (
            "Jari ini tidak ditemukan pada gambar slap. Ambil satu per satu, atau pilih jari pada diagram untuk mencatat pengecualian.",
            "These fingers were not found in the slap image. Take them one at a time, or choose the finger on the diagram to record an exception."
        ),
        take_single: ("Ambil satu per satu: {}", "Take on its own: {}"),
        duplicate_single: (
            "Sidik ini sama dengan {} yang sudah diambil. Letakkan {}.",
            "This print matches the {} already taken. Place the {}."
        ),
        duplicate_slap: (
            "{} pada slap ini sama dengan {} yang sudah diambil. Periksa tangan yang diletakkan, lalu ambil lagi.",
            "The {} in this slap matches the {} already taken. Check which hand was placed, then capture again."
        ),
        nothing_recorded: ("Tidak ada yang direkam dari percobaan ini.", "Nothing was recorded from this attempt."),
        all_done: (
            "Kesepuluh jari sudah direkam atau dicatat sebagai pengecualian.",
            "All ten fingers are recorded or recorded as exceptions."
        ),
        approval_needed: (
            "Jari yang dipaksa atau dikecualikan memerlukan persetujuan supervisor sebelum finalisasi.",
            "Forced or excepted fingers need a supervisor's approval before finalizing."
        ),
        continue_button: ("Lanjut", "Continue"),
        back_to_fingers: ("Kembali ke sidik jari", "Back to the fingerprints"),
        banner_title: ("Perangkat bermasalah", "Device problem"),
        device_fingerprint: ("Pemindai sidik jari", "Fingerprint scanner"),
        device_camera: ("Kamera", "Camera"),
        device_iris: ("Pemindai iris", "Iris scanner"),
        banner_disconnected: (
            "{} tidak terhubung. Sambungkan kembali, lalu tekan Coba lagi. Pendaftaran tetap tersimpan.",
            "The {} is not connected. Reconnect it, then press Try again. The enrollment is kept."
        ),
        banner_timeout: (
            "{} tidak menerima apa pun tepat waktu. Letakkan jari (atau posisikan tangan/mata), lalu tekan Coba lagi.",
            "The {} received nothing in time. Place the fingers (or the hand or eyes), then press Try again."
        ),
        banner_busy: (
            "{} sedang dipakai. Tunggu sebentar, lalu tekan Coba lagi.",
            "The {} is busy. Wait a moment, then press Try again."
        ),
        banner_single_only: (
            "{} hanya dapat mengambil satu jari. Ambil setiap jari satu per satu dari tabel di bawah.",
            "The {} takes single fingers only. Take each finger on its own from the table below."
        ),
        banner_not_ready: (
            "{} belum siap. Periksa perangkat dan pemohon, lalu tekan Coba lagi.",
            "The {} is not ready. Check the device and the resident, then press Try again."
        ),
        banner_fault: (
            "{} melaporkan gangguan. Tekan Coba lagi; bila berulang, cabut dan sambungkan kembali.",
            "The {} reported a fault. Press Try again; if it repeats, unplug it and plug it back in."
        ),
        banner_detail: ("Pesan perangkat: {}", "The device said: {}"),
        unknown_slap: ("Pilih slap yang akan diambil: empat jari kanan, empat jari kiri atau kedua ibu jari.", "Choose the slap to take: the right four, the left four or both thumbs."),
        capture_output: ("Keluaran perangkat tidak dapat dipakai: {}", "The device's output cannot be used: {}"),
        wrong_stage: (
            "Pendaftaran ini tidak sedang pada tahap ini. Buka langkah yang sedang berjalan.",
            "This enrollment is not at this step. Open the step in progress."
        ),
        finger_done: ("{} sudah direkam.", "The {} is already recorded."),
        store_failed: ("Penyimpanan gagal; tidak ada yang direkam: {}", "Saving failed; nothing was recorded: {}"),
        exception_title: ("Pengecualian: {}", "Exception: {}"),
        exception_lead: (
            "Catat jari yang tidak dapat diambil. Jari ini lalu dicoret pada diagram dan tidak diminta lagi.",
            "Record a finger that cannot be taken. It is then crossed out on the diagram and not asked for again."
        ),
        exception_approval: (
            "Pengecualian memerlukan persetujuan supervisor sebelum finalisasi.",
            "An exception needs a supervisor's approval before finalizing."
        ),
        exception_reason: ("Alasan", "Reason"),
        reason_amputated_hint: ("Jari tidak ada.", "The finger is missing."),
        reason_bandaged_hint: ("Jari tertutup sementara (perban, gips).", "The finger is covered for now (bandage, cast)."),
        reason_unable_hint: (
            "Jari ada tetapi tidak menghasilkan sidik yang dapat dipakai (alur aus, luka, penyakit).",
            "The finger is there but gives no usable print (worn ridges, injury, disease)."
        ),
        exception_note: ("Catatan (tidak wajib)", "Note (optional)"),
        exception_note_hint: ("Satu baris, paling banyak 256 byte.", "One line, at most 256 bytes."),
        exception_photo: ("Foto tangan dengan kamera", "Photograph the hand with the camera"),
        exception_photo_hint: (
            "Tidak wajib. Arahkan tangan ke kamera sebelum menekan Catat pengecualian.",
            "Optional. Hold the hand up to the camera before pressing Record the exception."
        ),
        exception_submit: ("Catat pengecualian", "Record the exception"),
        exception_recorded: ("{} sudah dicatat sebagai pengecualian: {}.", "The {} is recorded as an exception: {}."),
        exception_photo_kept: ("Foto tangan disimpan.", "A photo of the hand is kept."),
        take_instead: ("Ambil jari ini satu per satu", "Take this finger on its own"),
        error_reason_missing: ("Pilih alasan pengecualian.", "Choose the reason for the exception."),
        error_note_long: ("Catatan lebih dari 256 byte; persingkat.", "The note is longer than 256 bytes; shorten it."),
        error_note_char: (
            "Catatan memuat karakter yang tidak diizinkan (baris baru atau karakter tak terlihat).",
            "The note holds a character that is not allowed (a new line or an invisible character)."
        ),
        single_title: ("Satu jari: {}", "Single finger: {}"),
        irises_title: ("Iris", "Irises"),
        irises_lead: (
            "Ambil iris kiri dan kanan. Minta pemohon melihat ke pemindai dengan mata terbuka lebar.",
            "Take the left and right irises. Ask the resident to look into the scanner with eyes wide open."
        ),
        irises_skipped: (
            "Stasiun ini tidak memiliki pemindai iris, jadi tahap iris dilewati.",
            "This workstation has no iris scanner, so the iris step is skipped."
        ),
        eye_left: ("Iris kiri", "Left iris"),
        eye_right: ("Iris kanan", "Right iris"),
        capture_eye: ("Ambil {}", "Capture: {}"),
        iris_gate: ("Batas mutu iris: {} dari 100", "Iris quality gate: {} of 100"),
        iris_score: ("Skor mutu: {}", "Quality score: {}"),
        iris_not_taken: ("Belum diambil.", "Not taken yet."),
        attempts_left: ("Sisa percobaan: {}", "Attempts left: {}"),
    }
}
