//! The PTP dataset parsers (DeviceInfo, StorageInfo, ObjectInfo, DevicePropDesc, u32 arrays,
//! Canon EOS GetEvent records): any bytes give a dataset or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rekam_drivers::ptp::dataset::{
    DeviceInfo, DevicePropDesc, ObjectInfo, PropValue, StorageInfo, eos_events_bytes,
    parse_eos_events, parse_u32_array,
};

fuzz_target!(|data: &[u8]| {
    let _ = DeviceInfo::parse(data);
    let _ = StorageInfo::parse(data);
    let _ = ObjectInfo::parse(data);
    let _ = parse_u32_array(data);
    if let Ok(desc) = DevicePropDesc::parse(data) {
        let _ = DevicePropDesc::parse(&desc.to_bytes());
    }
    if let Some((&ty, rest)) = data.split_first() {
        let _ = PropValue::parse(rest, u16::from(ty % 9));
    }
    if let Ok(events) = parse_eos_events(data) {
        assert_eq!(parse_eos_events(&eos_events_bytes(&events)).ok(), Some(events));
    }
});
