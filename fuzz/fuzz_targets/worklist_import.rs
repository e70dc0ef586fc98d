//! The worklist import (CSV in any encoding and separator, XLSX/XLS/ODS workbooks) and the
//! regions file reader: never panic, and an import either commits every row it reports as
//! imported or nothing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rekam_agent::office::worklist::{import, regions};
use rekam_agent::store::Store;
use rekam_agent::store::worklist::EntryFilter;

const REGIONS: &[u8] = b"320405,Cibinong,3204\n3204052001,Sukamaju,320405\n";

fuzz_target!(|data: &[u8]| {
    let _ = regions::parse(data.to_vec());
    let Ok(mut store) = Store::in_memory() else {
        return;
    };
    let Ok(r) = regions::parse(REGIONS.to_vec()) else {
        return;
    };
    if store
        .import_worklist_regions(&r, "regions.csv", "-", "fuzz", 0)
        .is_err()
    {
        return;
    }
    for skip_bad in [false, true] {
        if let Ok(report) = import::import(&mut store, "f", data.to_vec(), skip_bad, "fuzz", 0) {
            let stored = store
                .worklist_entries(&EntryFilter::default())
                .map(|e| e.len())
                .unwrap_or(0);
            assert_eq!(stored as u64, report.imported);
            assert_eq!(report.committed(), skip_bad || report.bad.is_empty());
            break;
        }
    }
});
