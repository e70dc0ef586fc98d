//! Named PTP codes: operations, responses, events, device properties and data types (ISO 15740),
//! the Canon EOS vendor extension (0x91xx operations, 0xC1xx events, 0xD1xx properties, 0xA1xx
//! responses) and the PTP/IP packet types (CIPA DC-005).
//!
//! Contract: plain constants with the values the standard and libgphoto2's `ptp.h` use; nothing
//! here interprets them.

/// Operation codes.
pub mod op {
    pub const GET_DEVICE_INFO: u16 = 0x1001;
    pub const OPEN_SESSION: u16 = 0x1002;
    pub const CLOSE_SESSION: u16 = 0x1003;
    pub const GET_STORAGE_IDS: u16 = 0x1004;
    pub const GET_STORAGE_INFO: u16 = 0x1005;
    pub const GET_NUM_OBJECTS: u16 = 0x1006;
    pub const GET_OBJECT_HANDLES: u16 = 0x1007;
    pub const GET_OBJECT_INFO: u16 = 0x1008;
    pub const GET_OBJECT: u16 = 0x1009;
    pub const GET_THUMB: u16 = 0x100A;
    pub const DELETE_OBJECT: u16 = 0x100B;
    pub const INITIATE_CAPTURE: u16 = 0x100E;
    pub const GET_DEVICE_PROP_DESC: u16 = 0x1014;
    pub const GET_DEVICE_PROP_VALUE: u16 = 0x1015;
    pub const SET_DEVICE_PROP_VALUE: u16 = 0x1016;
    pub const GET_PARTIAL_OBJECT: u16 = 0x101B;

    pub const CANON_EOS_GET_STORAGE_IDS: u16 = 0x9101;
    pub const CANON_EOS_GET_STORAGE_INFO: u16 = 0x9102;
    pub const CANON_EOS_GET_OBJECT_INFO: u16 = 0x9103;
    pub const CANON_EOS_GET_OBJECT: u16 = 0x9104;
    pub const CANON_EOS_DELETE_OBJECT: u16 = 0x9105;
    pub const CANON_EOS_GET_PARTIAL_OBJECT: u16 = 0x9107;
    pub const CANON_EOS_GET_DEVICE_INFO_EX: u16 = 0x9108;
    pub const CANON_EOS_GET_OBJECT_INFO_EX: u16 = 0x9109;
    pub const CANON_EOS_REMOTE_RELEASE: u16 = 0x910F;
    pub const CANON_EOS_SET_DEVICE_PROP_VALUE_EX: u16 = 0x9110;
    pub const CANON_EOS_GET_REMOTE_MODE: u16 = 0x9113;
    pub const CANON_EOS_SET_REMOTE_MODE: u16 = 0x9114;
    pub const CANON_EOS_SET_EVENT_MODE: u16 = 0x9115;
    pub const CANON_EOS_GET_EVENT: u16 = 0x9116;
    pub const CANON_EOS_TRANSFER_COMPLETE: u16 = 0x9117;
    pub const CANON_EOS_PC_HDD_CAPACITY: u16 = 0x911A;
    pub const CANON_EOS_SET_UI_LOCK: u16 = 0x911B;
    pub const CANON_EOS_RESET_UI_LOCK: u16 = 0x911C;
    pub const CANON_EOS_KEEP_DEVICE_ON: u16 = 0x911D;
    pub const CANON_EOS_REMOTE_RELEASE_ON: u16 = 0x9128;
    pub const CANON_EOS_REMOTE_RELEASE_OFF: u16 = 0x9129;
    pub const CANON_EOS_GET_VIEWFINDER_DATA: u16 = 0x9153;
    pub const CANON_EOS_DO_AF: u16 = 0x9154;
    pub const CANON_EOS_AF_CANCEL: u16 = 0x9160;
}

/// Response codes.
pub mod rc {
    pub const UNDEFINED: u16 = 0x2000;
    pub const OK: u16 = 0x2001;
    pub const GENERAL_ERROR: u16 = 0x2002;
    pub const SESSION_NOT_OPEN: u16 = 0x2003;
    pub const INVALID_TRANSACTION_ID: u16 = 0x2004;
    pub const OPERATION_NOT_SUPPORTED: u16 = 0x2005;
    pub const PARAMETER_NOT_SUPPORTED: u16 = 0x2006;
    pub const INCOMPLETE_TRANSFER: u16 = 0x2007;
    pub const INVALID_STORAGE_ID: u16 = 0x2008;
    pub const INVALID_OBJECT_HANDLE: u16 = 0x2009;
    pub const DEVICE_PROP_NOT_SUPPORTED: u16 = 0x200A;
    pub const INVALID_OBJECT_FORMAT_CODE: u16 = 0x200B;
    pub const STORE_FULL: u16 = 0x200C;
    pub const OBJECT_WRITE_PROTECTED: u16 = 0x200D;
    pub const STORE_READ_ONLY: u16 = 0x200E;
    pub const ACCESS_DENIED: u16 = 0x200F;
    pub const NO_THUMBNAIL_PRESENT: u16 = 0x2010;
    pub const DEVICE_BUSY: u16 = 0x2019;
    pub const INVALID_PARENT_OBJECT: u16 = 0x201A;
    pub const INVALID_DEVICE_PROP_FORMAT: u16 = 0x201B;
    pub const INVALID_DEVICE_PROP_VALUE: u16 = 0x201C;
    pub const INVALID_PARAMETER: u16 = 0x201D;
    pub const SESSION_ALREADY_OPEN: u16 = 0x201E;
    pub const TRANSACTION_CANCELLED: u16 = 0x201F;
    pub const CANON_EOS_UNKNOWN_COMMAND: u16 = 0xA001;
    pub const CANON_EOS_OPERATION_REFUSED: u16 = 0xA005;
    pub const CANON_EOS_LENS_COVER_CLOSED: u16 = 0xA006;
    pub const CANON_EOS_LOW_BATTERY: u16 = 0xA101;
    /// "Object not ready": live view not started yet, or the picture still being made.
    pub const CANON_EOS_NOT_READY: u16 = 0xA102;
}

/// Event codes.
pub mod ec {
    pub const CANCEL_TRANSACTION: u16 = 0x4001;
    pub const OBJECT_ADDED: u16 = 0x4002;
    pub const OBJECT_REMOVED: u16 = 0x4003;
    pub const STORE_ADDED: u16 = 0x4004;
    pub const STORE_REMOVED: u16 = 0x4005;
    pub const DEVICE_PROP_CHANGED: u16 = 0x4006;
    pub const DEVICE_INFO_CHANGED: u16 = 0x4008;
    pub const STORE_FULL: u16 = 0x400A;
    pub const CAPTURE_COMPLETE: u16 = 0x400D;
    /// Canon EOS GetEvent record types (32-bit in the records, 16-bit as PTP events).
    pub const CANON_EOS_OBJECT_ADDED_EX: u16 = 0xC181;
    pub const CANON_EOS_OBJECT_REMOVED: u16 = 0xC182;
    pub const CANON_EOS_STORAGE_STATUS_CHANGED: u16 = 0xC184;
    pub const CANON_EOS_STORAGE_INFO_CHANGED: u16 = 0xC185;
    pub const CANON_EOS_REQUEST_OBJECT_TRANSFER: u16 = 0xC186;
    pub const CANON_EOS_OBJECT_INFO_CHANGED_EX: u16 = 0xC187;
    pub const CANON_EOS_PROP_VALUE_CHANGED: u16 = 0xC189;
    pub const CANON_EOS_AVAIL_LIST_CHANGED: u16 = 0xC18A;
    pub const CANON_EOS_CAMERA_STATUS_CHANGED: u16 = 0xC18B;
}

/// Device property codes.
pub mod dpc {
    pub const BATTERY_LEVEL: u16 = 0x5001;
    pub const IMAGE_SIZE: u16 = 0x5003;
    pub const WHITE_BALANCE: u16 = 0x5005;
    pub const EXPOSURE_BIAS_COMPENSATION: u16 = 0x5010;
    pub const DATE_TIME: u16 = 0x5011;

    pub const CANON_EOS_APERTURE: u16 = 0xD101;
    pub const CANON_EOS_SHUTTER_SPEED: u16 = 0xD102;
    pub const CANON_EOS_ISO_SPEED: u16 = 0xD103;
    /// Exposure compensation, in Canon's 1/8-stop steps as a signed byte (0x08 = +1 EV).
    pub const CANON_EOS_EXP_COMPENSATION: u16 = 0xD104;
    pub const CANON_EOS_AUTO_EXPOSURE_MODE: u16 = 0xD105;
    pub const CANON_EOS_DRIVE_MODE: u16 = 0xD106;
    pub const CANON_EOS_FOCUS_MODE: u16 = 0xD108;
    /// White balance preset (0 auto, 1 daylight, 2 cloudy, 3 tungsten, 4 fluorescent, 5 flash,
    /// 9 colour temperature).
    pub const CANON_EOS_WHITE_BALANCE: u16 = 0xD109;
    /// Colour temperature in kelvin, used when the white balance is 9.
    pub const CANON_EOS_COLOR_TEMPERATURE: u16 = 0xD10A;
    pub const CANON_EOS_BATTERY_POWER: u16 = 0xD111;
    pub const CANON_EOS_AVAILABLE_SHOTS: u16 = 0xD11B;
    /// 1 = card, 2 = host RAM (4 on some bodies): where a released picture goes.
    pub const CANON_EOS_CAPTURE_DESTINATION: u16 = 0xD11C;
    pub const CANON_EOS_IMAGE_FORMAT: u16 = 0xD120;
    pub const CANON_EOS_AE_MODE_DIAL: u16 = 0xD138;
    /// Live-view output: bit 1 (value 2) = the PC.
    pub const CANON_EOS_EVF_OUTPUT_DEVICE: u16 = 0xD1B0;
    /// Live view on (1) or off (0).
    pub const CANON_EOS_EVF_MODE: u16 = 0xD1B1;
    pub const CANON_EOS_EVF_WB_MODE: u16 = 0xD1B4;
    pub const CANON_EOS_EVF_RECORD_STATUS: u16 = 0xD1B8;
}

/// Data type codes of device property values.
pub mod dtc {
    pub const INT8: u16 = 0x0001;
    pub const UINT8: u16 = 0x0002;
    pub const INT16: u16 = 0x0003;
    pub const UINT16: u16 = 0x0004;
    pub const INT32: u16 = 0x0005;
    pub const UINT32: u16 = 0x0006;
    pub const INT64: u16 = 0x0007;
    pub const UINT64: u16 = 0x0008;
    pub const STR: u16 = 0xFFFF;
}

/// Object format codes.
pub mod ofc {
    pub const UNDEFINED: u16 = 0x3000;
    pub const ASSOCIATION: u16 = 0x3001;
    pub const EXIF_JPEG: u16 = 0x3801;
}

/// Vendor extension ids.
pub mod vendor {
    pub const MICROSOFT: u32 = 0x0000_0006;
    pub const CANON: u32 = 0x0000_000B;
}

/// PTP/IP packet types (CIPA DC-005 table 5).
pub mod ptpip {
    pub const INIT_COMMAND_REQUEST: u32 = 1;
    pub const INIT_COMMAND_ACK: u32 = 2;
    pub const INIT_EVENT_REQUEST: u32 = 3;
    pub const INIT_EVENT_ACK: u32 = 4;
    pub const INIT_FAIL: u32 = 5;
    pub const OPERATION_REQUEST: u32 = 6;
    pub const OPERATION_RESPONSE: u32 = 7;
    pub const EVENT: u32 = 8;
    pub const START_DATA: u32 = 9;
    pub const DATA: u32 = 10;
    pub const CANCEL: u32 = 11;
    pub const END_DATA: u32 = 12;
    pub const PROBE_REQUEST: u32 = 13;
    pub const PROBE_RESPONSE: u32 = 14;
    /// The standard TCP port.
    pub const PORT: u16 = 15740;
    /// Protocol version 1.0 (major in the high 16 bits).
    pub const VERSION: u32 = 0x0001_0000;
}
