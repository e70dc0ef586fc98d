//! PTP datasets (ISO 15740 section 5): strings, arrays, DeviceInfo, StorageInfo, ObjectInfo,
//! DevicePropDesc, and the record list of Canon EOS GetEvent, each with an encoder and a strict
//! parser.
//!
//! Contract: all multi-byte values are little-endian. A PTP string is a u8 count of UTF-16LE code
//! units including the terminating NUL (0 for the empty string, which has no NUL); an array is a
//! u32 count then the elements. Parsers check every length against the bytes present and return a
//! [`DatasetError`] naming the field, never panic; trailing bytes after a dataset are accepted (as
//! libgphoto2 accepts them: vendors append fields), except inside GetEvent records.

use super::code::dtc;

/// A dataset could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed {what}: {detail}")]
pub struct DatasetError {
    /// Which field or dataset.
    pub what: &'static str,
    /// What was wrong.
    pub detail: String,
}

fn err(what: &'static str, detail: impl Into<String>) -> DatasetError {
    DatasetError {
        what,
        detail: detail.into(),
    }
}

/// A cursor over a dataset that checks every read.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    /// Starts at the beginning of `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, at: 0 }
    }

    /// Bytes not read yet.
    pub fn remaining(&self) -> usize {
        self.bytes.len() - self.at
    }

    /// Reads `n` raw bytes.
    pub fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], DatasetError> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&end| end <= self.bytes.len())
            .ok_or_else(|| {
                err(
                    what,
                    format!(
                        "needs {n} bytes at offset {}, only {} left",
                        self.at,
                        self.remaining()
                    ),
                )
            })?;
        let out = &self.bytes[self.at..end];
        self.at = end;
        Ok(out)
    }

    fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], DatasetError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N, what)?);
        Ok(out)
    }

    /// Reads a u8.
    pub fn u8(&mut self, what: &'static str) -> Result<u8, DatasetError> {
        Ok(self.array::<1>(what)?[0])
    }

    /// Reads a little-endian u16.
    pub fn u16(&mut self, what: &'static str) -> Result<u16, DatasetError> {
        Ok(u16::from_le_bytes(self.array(what)?))
    }

    /// Reads a little-endian u32.
    pub fn u32(&mut self, what: &'static str) -> Result<u32, DatasetError> {
        Ok(u32::from_le_bytes(self.array(what)?))
    }

    /// Reads a little-endian u64.
    pub fn u64(&mut self, what: &'static str) -> Result<u64, DatasetError> {
        Ok(u64::from_le_bytes(self.array(what)?))
    }

    /// Reads a PTP string (u8 count of UTF-16 units including the NUL).
    pub fn string(&mut self, what: &'static str) -> Result<String, DatasetError> {
        let count = usize::from(self.u8(what)?);
        if count == 0 {
            return Ok(String::new());
        }
        let raw = self.take(count * 2, what)?;
        let units: Vec<u16> = raw
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        let (last, text) = units
            .split_last()
            .ok_or_else(|| err(what, "empty string body"))?;
        if *last != 0 {
            return Err(err(what, "string is not NUL-terminated"));
        }
        if text.contains(&0) {
            return Err(err(what, "NUL inside the string"));
        }
        String::from_utf16(text).map_err(|e| err(what, e.to_string()))
    }

    /// Reads a u32-counted array of u16.
    pub fn u16_array(&mut self, what: &'static str) -> Result<Vec<u16>, DatasetError> {
        let count = self.count(2, what)?;
        (0..count).map(|_| self.u16(what)).collect()
    }

    /// Reads a u32-counted array of u32.
    pub fn u32_array(&mut self, what: &'static str) -> Result<Vec<u32>, DatasetError> {
        let count = self.count(4, what)?;
        (0..count).map(|_| self.u32(what)).collect()
    }

    /// An array count, checked against the bytes left so a huge count allocates nothing.
    fn count(&mut self, element: usize, what: &'static str) -> Result<usize, DatasetError> {
        let count = self.u32(what)? as usize;
        if count.saturating_mul(element) > self.remaining() {
            return Err(err(
                what,
                format!(
                    "{count} elements of {element} bytes, only {} bytes left",
                    self.remaining()
                ),
            ));
        }
        Ok(count)
    }
}

/// Appends a PTP string. Text longer than 254 UTF-16 units is cut (PTP cannot carry it).
pub fn put_string(out: &mut Vec<u8>, text: &str) {
    let mut units: Vec<u16> = text.encode_utf16().filter(|&u| u != 0).take(254).collect();
    if units.is_empty() {
        out.push(0);
        return;
    }
    units.push(0);
    out.push(units.len() as u8);
    for u in units {
        out.extend_from_slice(&u.to_le_bytes());
    }
}

/// Appends a u32-counted array of u16.
pub fn put_u16_array(out: &mut Vec<u8>, values: &[u16]) {
    out.extend_from_slice(&(values.len() as u32).to_le_bytes());
    for v in values {
        out.extend_from_slice(&v.to_le_bytes());
    }
}

/// Appends a u32-counted array of u32.
pub fn put_u32_array(out: &mut Vec<u8>, values: &[u32]) {
    out.extend_from_slice(&(values.len() as u32).to_le_bytes());
    for v in values {
        out.extend_from_slice(&v.to_le_bytes());
    }
}

/// Parses the dataset of GetObjectHandles / GetStorageIDs (a u32 array).
pub fn parse_u32_array(bytes: &[u8]) -> Result<Vec<u32>, DatasetError> {
    Reader::new(bytes).u32_array("u32 array")
}

/// Encodes a u32 array dataset.
pub fn u32_array_bytes(values: &[u32]) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 + values.len() * 4);
    put_u32_array(&mut out, values);
    out
}

/// The DeviceInfo dataset (GetDeviceInfo).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeviceInfo {
    pub standard_version: u16,
    pub vendor_extension_id: u32,
    pub vendor_extension_version: u16,
    pub vendor_extension_desc: String,
    pub functional_mode: u16,
    pub operations: Vec<u16>,
    pub events: Vec<u16>,
    pub properties: Vec<u16>,
    pub capture_formats: Vec<u16>,
    pub image_formats: Vec<u16>,
    pub manufacturer: String,
    pub model: String,
    pub device_version: String,
    pub serial_number: String,
}

impl DeviceInfo {
    /// Encodes the dataset.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(256);
        out.extend_from_slice(&self.standard_version.to_le_bytes());
        out.extend_from_slice(&self.vendor_extension_id.to_le_bytes());
        out.extend_from_slice(&self.vendor_extension_version.to_le_bytes());
        put_string(&mut out, &self.vendor_extension_desc);
        out.extend_from_slice(&self.functional_mode.to_le_bytes());
        put_u16_array(&mut out, &self.operations);
        put_u16_array(&mut out, &self.events);
        put_u16_array(&mut out, &self.properties);
        put_u16_array(&mut out, &self.capture_formats);
        put_u16_array(&mut out, &self.image_formats);
        put_string(&mut out, &self.manufacturer);
        put_string(&mut out, &self.model);
        put_string(&mut out, &self.device_version);
        put_string(&mut out, &self.serial_number);
        out
    }

    /// Parses the dataset.
    pub fn parse(bytes: &[u8]) -> Result<Self, DatasetError> {
        let mut r = Reader::new(bytes);
        Ok(Self {
            standard_version: r.u16("DeviceInfo.StandardVersion")?,
            vendor_extension_id: r.u32("DeviceInfo.VendorExtensionID")?,
            vendor_extension_version: r.u16("DeviceInfo.VendorExtensionVersion")?,
            vendor_extension_desc: r.string("DeviceInfo.VendorExtensionDesc")?,
            functional_mode: r.u16("DeviceInfo.FunctionalMode")?,
            operations: r.u16_array("DeviceInfo.OperationsSupported")?,
            events: r.u16_array("DeviceInfo.EventsSupported")?,
            properties: r.u16_array("DeviceInfo.DevicePropertiesSupported")?,
            capture_formats: r.u16_array("DeviceInfo.CaptureFormats")?,
            image_formats: r.u16_array("DeviceInfo.ImageFormats")?,
            manufacturer: r.string("DeviceInfo.Manufacturer")?,
            model: r.string("DeviceInfo.Model")?,
            device_version: r.string("DeviceInfo.DeviceVersion")?,
            serial_number: r.string("DeviceInfo.SerialNumber")?,
        })
    }

    /// Whether the device lists operation `code`.
    pub fn supports(&self, code: u16) -> bool {
        self.operations.contains(&code)
    }
}

/// The StorageInfo dataset (GetStorageInfo).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StorageInfo {
    pub storage_type: u16,
    pub filesystem_type: u16,
    pub access_capability: u16,
    pub max_capacity: u64,
    pub free_space_bytes: u64,
    pub free_space_images: u32,
    pub description: String,
    pub volume_label: String,
}

impl StorageInfo {
    /// Encodes the dataset.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64);
        out.extend_from_slice(&self.storage_type.to_le_bytes());
        out.extend_from_slice(&self.filesystem_type.to_le_bytes());
        out.extend_from_slice(&self.access_capability.to_le_bytes());
        out.extend_from_slice(&self.max_capacity.to_le_bytes());
        out.extend_from_slice(&self.free_space_bytes.to_le_bytes());
        out.extend_from_slice(&self.free_space_images.to_le_bytes());
        put_string(&mut out, &self.description);
        put_string(&mut out, &self.volume_label);
        out
    }

    /// Parses the dataset.
    pub fn parse(bytes: &[u8]) -> Result<Self, DatasetError> {
        let mut r = Reader::new(bytes);
        Ok(Self {
            storage_type: r.u16("StorageInfo.StorageType")?,
            filesystem_type: r.u16("StorageInfo.FilesystemType")?,
            access_capability: r.u16("StorageInfo.AccessCapability")?,
            max_capacity: r.u64("StorageInfo.MaxCapacity")?,
            free_space_bytes: r.u64("StorageInfo.FreeSpaceInBytes")?,
            free_space_images: r.u32("StorageInfo.FreeSpaceInImages")?,
            description: r.string("StorageInfo.StorageDescription")?,
            volume_label: r.string("StorageInfo.VolumeLabel")?,
        })
    }
}

/// The ObjectInfo dataset (GetObjectInfo).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ObjectInfo {
    pub storage_id: u32,
    pub object_format: u16,
    pub protection_status: u16,
    pub compressed_size: u32,
    pub thumb_format: u16,
    pub thumb_compressed_size: u32,
    pub thumb_width: u32,
    pub thumb_height: u32,
    pub image_width: u32,
    pub image_height: u32,
    pub image_bit_depth: u32,
    pub parent_object: u32,
    pub association_type: u16,
    pub association_desc: u32,
    pub sequence_number: u32,
    pub filename: String,
    pub capture_date: String,
    pub modification_date: String,
    pub keywords: String,
}

impl ObjectInfo {
    /// Encodes the dataset.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(128);
        out.extend_from_slice(&self.storage_id.to_le_bytes());
        out.extend_from_slice(&self.object_format.to_le_bytes());
        out.extend_from_slice(&self.protection_status.to_le_bytes());
        out.extend_from_slice(&self.compressed_size.to_le_bytes());
        out.extend_from_slice(&self.thumb_format.to_le_bytes());
        for v in [
            self.thumb_compressed_size,
            self.thumb_width,
            self.thumb_height,
            self.image_width,
            self.image_height,
            self.image_bit_depth,
            self.parent_object,
        ] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&self.association_type.to_le_bytes());
        out.extend_from_slice(&self.association_desc.to_le_bytes());
        out.extend_from_slice(&self.sequence_number.to_le_bytes());
        put_string(&mut out, &self.filename);
        put_string(&mut out, &self.capture_date);
        put_string(&mut out, &self.modification_date);
        put_string(&mut out, &self.keywords);
        out
    }

    /// Parses the dataset.
    pub fn parse(bytes: &[u8]) -> Result<Self, DatasetError> {
        let mut r = Reader::new(bytes);
        Ok(Self {
            storage_id: r.u32("ObjectInfo.StorageID")?,
            object_format: r.u16("ObjectInfo.ObjectFormat")?,
            protection_status: r.u16("ObjectInfo.ProtectionStatus")?,
            compressed_size: r.u32("ObjectInfo.ObjectCompressedSize")?,
            thumb_format: r.u16("ObjectInfo.ThumbFormat")?,
            thumb_compressed_size: r.u32("ObjectInfo.ThumbCompressedSize")?,
            thumb_width: r.u32("ObjectInfo.ThumbPixWidth")?,
            thumb_height: r.u32("ObjectInfo.ThumbPixHeight")?,
            image_width: r.u32("ObjectInfo.ImagePixWidth")?,
            image_height: r.u32("ObjectInfo.ImagePixHeight")?,
            image_bit_depth: r.u32("ObjectInfo.ImageBitDepth")?,
            parent_object: r.u32("ObjectInfo.ParentObject")?,
            association_type: r.u16("ObjectInfo.AssociationType")?,
            association_desc: r.u32("ObjectInfo.AssociationDesc")?,
            sequence_number: r.u32("ObjectInfo.SequenceNumber")?,
            filename: r.string("ObjectInfo.Filename")?,
            capture_date: r.string("ObjectInfo.CaptureDate")?,
            modification_date: r.string("ObjectInfo.ModificationDate")?,
            keywords: r.string("ObjectInfo.Keywords")?,
        })
    }
}

/// A device property value of one of the scalar data types or a string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PropValue {
    I8(i8),
    U8(u8),
    I16(i16),
    U16(u16),
    I32(i32),
    U32(u32),
    I64(i64),
    U64(u64),
    Str(String),
}

impl PropValue {
    /// The data type code of this value.
    pub fn data_type(&self) -> u16 {
        match self {
            PropValue::I8(_) => dtc::INT8,
            PropValue::U8(_) => dtc::UINT8,
            PropValue::I16(_) => dtc::INT16,
            PropValue::U16(_) => dtc::UINT16,
            PropValue::I32(_) => dtc::INT32,
            PropValue::U32(_) => dtc::UINT32,
            PropValue::I64(_) => dtc::INT64,
            PropValue::U64(_) => dtc::UINT64,
            PropValue::Str(_) => dtc::STR,
        }
    }

    /// Appends the value's bytes.
    pub fn put(&self, out: &mut Vec<u8>) {
        match self {
            PropValue::I8(v) => out.extend_from_slice(&v.to_le_bytes()),
            PropValue::U8(v) => out.push(*v),
            PropValue::I16(v) => out.extend_from_slice(&v.to_le_bytes()),
            PropValue::U16(v) => out.extend_from_slice(&v.to_le_bytes()),
            PropValue::I32(v) => out.extend_from_slice(&v.to_le_bytes()),
            PropValue::U32(v) => out.extend_from_slice(&v.to_le_bytes()),
            PropValue::I64(v) => out.extend_from_slice(&v.to_le_bytes()),
            PropValue::U64(v) => out.extend_from_slice(&v.to_le_bytes()),
            PropValue::Str(s) => put_string(out, s),
        }
    }

    /// The value's bytes (the dataset of GetDevicePropValue / SetDevicePropValue).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.put(&mut out);
        out
    }

    /// Reads a value of `data_type`.
    pub fn read(
        r: &mut Reader<'_>,
        data_type: u16,
        what: &'static str,
    ) -> Result<Self, DatasetError> {
        Ok(match data_type {
            dtc::INT8 => PropValue::I8(r.u8(what)? as i8),
            dtc::UINT8 => PropValue::U8(r.u8(what)?),
            dtc::INT16 => PropValue::I16(r.u16(what)? as i16),
            dtc::UINT16 => PropValue::U16(r.u16(what)?),
            dtc::INT32 => PropValue::I32(r.u32(what)? as i32),
            dtc::UINT32 => PropValue::U32(r.u32(what)?),
            dtc::INT64 => PropValue::I64(r.u64(what)? as i64),
            dtc::UINT64 => PropValue::U64(r.u64(what)?),
            dtc::STR => PropValue::Str(r.string(what)?),
            other => {
                return Err(err(what, format!("unsupported data type 0x{other:04X}")));
            }
        })
    }

    /// Parses a whole value dataset of `data_type`; extra bytes are an error.
    pub fn parse(bytes: &[u8], data_type: u16) -> Result<Self, DatasetError> {
        let mut r = Reader::new(bytes);
        let v = Self::read(&mut r, data_type, "property value")?;
        if r.remaining() != 0 {
            return Err(err(
                "property value",
                format!("{} bytes after the value", r.remaining()),
            ));
        }
        Ok(v)
    }

    /// The value as a signed integer, if it is one.
    pub fn as_i64(&self) -> Option<i64> {
        Some(match *self {
            PropValue::I8(v) => i64::from(v),
            PropValue::U8(v) => i64::from(v),
            PropValue::I16(v) => i64::from(v),
            PropValue::U16(v) => i64::from(v),
            PropValue::I32(v) => i64::from(v),
            PropValue::U32(v) => i64::from(v),
            PropValue::I64(v) => v,
            PropValue::U64(v) => i64::try_from(v).ok()?,
            PropValue::Str(_) => return None,
        })
    }
}

/// The allowed values of a property.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PropForm {
    /// Any value of the type.
    None,
    /// Minimum, maximum, step.
    Range {
        min: PropValue,
        max: PropValue,
        step: PropValue,
    },
    /// One of these (u16 count on the wire).
    Enumeration(Vec<PropValue>),
}

/// The DevicePropDesc dataset (GetDevicePropDesc).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DevicePropDesc {
    pub code: u16,
    pub data_type: u16,
    /// Whether the host may set it (GetSet 1).
    pub writable: bool,
    pub factory_default: PropValue,
    pub current: PropValue,
    pub form: PropForm,
}

impl DevicePropDesc {
    /// Encodes the dataset.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(32);
        out.extend_from_slice(&self.code.to_le_bytes());
        out.extend_from_slice(&self.data_type.to_le_bytes());
        out.push(u8::from(self.writable));
        self.factory_default.put(&mut out);
        self.current.put(&mut out);
        match &self.form {
            PropForm::None => out.push(0),
            PropForm::Range { min, max, step } => {
                out.push(1);
                min.put(&mut out);
                max.put(&mut out);
                step.put(&mut out);
            }
            PropForm::Enumeration(values) => {
                out.push(2);
                let n = values.len().min(usize::from(u16::MAX));
                out.extend_from_slice(&(n as u16).to_le_bytes());
                for v in &values[..n] {
                    v.put(&mut out);
                }
            }
        }
        out
    }

    /// Parses the dataset.
    pub fn parse(bytes: &[u8]) -> Result<Self, DatasetError> {
        let mut r = Reader::new(bytes);
        let code = r.u16("DevicePropDesc.PropertyCode")?;
        let data_type = r.u16("DevicePropDesc.DataType")?;
        let get_set = r.u8("DevicePropDesc.GetSet")?;
        if get_set > 1 {
            return Err(err(
                "DevicePropDesc.GetSet",
                format!("{get_set} is not 0 or 1"),
            ));
        }
        let factory_default = PropValue::read(&mut r, data_type, "DevicePropDesc.FactoryDefault")?;
        let current = PropValue::read(&mut r, data_type, "DevicePropDesc.CurrentValue")?;
        let form = match r.u8("DevicePropDesc.FormFlag")? {
            0 => PropForm::None,
            1 => PropForm::Range {
                min: PropValue::read(&mut r, data_type, "DevicePropDesc.Range.Min")?,
                max: PropValue::read(&mut r, data_type, "DevicePropDesc.Range.Max")?,
                step: PropValue::read(&mut r, data_type, "DevicePropDesc.Range.Step")?,
            },
            2 => {
                let n = r.u16("DevicePropDesc.Enumeration")?;
                let values = (0..n)
                    .map(|_| PropValue::read(&mut r, data_type, "DevicePropDesc.Enumeration"))
                    .collect::<Result<_, _>>()?;
                PropForm::Enumeration(values)
            }
            other => {
                return Err(err(
                    "DevicePropDesc.FormFlag",
                    format!("unknown form {other}"),
                ));
            }
        };
        Ok(Self {
            code,
            data_type,
            writable: get_set == 1,
            factory_default,
            current,
            form,
        })
    }
}

/// One record of a Canon EOS GetEvent reply, as libgphoto2 reads them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EosEvent {
    /// 0xC189: a property has a new value (the value's raw bytes, usually a u32).
    PropValueChanged { property: u32, value: Vec<u8> },
    /// 0xC18A: the allowed values of a property (data type, then u32 elements).
    AvailListChanged {
        property: u32,
        data_type: u32,
        values: Vec<u32>,
    },
    /// 0xC181: a new object (a released picture).
    ObjectAddedEx {
        handle: u32,
        storage_id: u32,
        format: u16,
        size: u32,
        parent: u32,
        filename: String,
    },
    /// 0xC186: an object in host RAM waiting for the host to fetch it.
    RequestObjectTransfer {
        handle: u32,
        format: u16,
        size: u32,
        filename: String,
    },
    /// Any other record: its type and payload.
    Other { code: u32, payload: Vec<u8> },
}

/// Fixed part of ObjectAddedEx before the name (libgphoto2's PTP_cee_OA_Name = 0x28).
const OA_NAME: usize = 0x28;
/// Fixed part of RequestObjectTransfer before the name (PTP_cee_OI_Name = 0x1c).
const OI_NAME: usize = 0x1C;

/// Writes `v` into a record payload at the record offset `at` (which counts the 8-byte header,
/// as libgphoto2's offsets do).
fn put_at(payload: &mut [u8], at: usize, v: &[u8]) {
    let at = at - 8;
    payload[at..at + v.len()].copy_from_slice(v);
}

fn ascii_name(raw: &[u8], what: &'static str) -> Result<String, DatasetError> {
    let end = raw
        .iter()
        .position(|&b| b == 0)
        .ok_or_else(|| err(what, "file name is not NUL-terminated"))?;
    String::from_utf8(raw[..end].to_vec()).map_err(|e| err(what, e.to_string()))
}

impl EosEvent {
    fn record(&self) -> Vec<u8> {
        let (code, payload): (u32, Vec<u8>) = match self {
            EosEvent::PropValueChanged { property, value } => {
                let mut p = property.to_le_bytes().to_vec();
                p.extend_from_slice(value);
                (u32::from(super::code::ec::CANON_EOS_PROP_VALUE_CHANGED), p)
            }
            EosEvent::AvailListChanged {
                property,
                data_type,
                values,
            } => {
                let mut p = property.to_le_bytes().to_vec();
                p.extend_from_slice(&data_type.to_le_bytes());
                put_u32_array(&mut p, values);
                (u32::from(super::code::ec::CANON_EOS_AVAIL_LIST_CHANGED), p)
            }
            EosEvent::ObjectAddedEx {
                handle,
                storage_id,
                format,
                size,
                parent,
                filename,
            } => {
                let name: Vec<u8> = filename.bytes().filter(|&b| b != 0).collect();
                let mut p = vec![0u8; OA_NAME - 8 + name.len() + 1];
                put_at(&mut p, 0x08, &handle.to_le_bytes());
                put_at(&mut p, 0x0C, &storage_id.to_le_bytes());
                put_at(&mut p, 0x10, &format.to_le_bytes());
                put_at(&mut p, 0x1C, &size.to_le_bytes());
                put_at(&mut p, 0x20, &parent.to_le_bytes());
                put_at(&mut p, OA_NAME, &name);
                (u32::from(super::code::ec::CANON_EOS_OBJECT_ADDED_EX), p)
            }
            EosEvent::RequestObjectTransfer {
                handle,
                format,
                size,
                filename,
            } => {
                let name: Vec<u8> = filename.bytes().filter(|&b| b != 0).collect();
                let mut p = vec![0u8; OI_NAME - 8 + name.len() + 1];
                put_at(&mut p, 0x08, &handle.to_le_bytes());
                put_at(&mut p, 0x0C, &format.to_le_bytes());
                put_at(&mut p, 0x14, &size.to_le_bytes());
                put_at(&mut p, OI_NAME, &name);
                (
                    u32::from(super::code::ec::CANON_EOS_REQUEST_OBJECT_TRANSFER),
                    p,
                )
            }
            EosEvent::Other { code, payload } => (*code, payload.clone()),
        };
        let mut out = Vec::with_capacity(8 + payload.len());
        out.extend_from_slice(&((8 + payload.len()) as u32).to_le_bytes());
        out.extend_from_slice(&code.to_le_bytes());
        out.extend_from_slice(&payload);
        out
    }

    fn parse_record(code: u32, payload: &[u8]) -> Result<Self, DatasetError> {
        use super::code::ec;
        let mut r = Reader::new(payload);
        let Ok(code16) = u16::try_from(code) else {
            return Ok(EosEvent::Other {
                code,
                payload: payload.to_vec(),
            });
        };
        Ok(match code16 {
            ec::CANON_EOS_PROP_VALUE_CHANGED => EosEvent::PropValueChanged {
                property: r.u32("EOS PropValueChanged.property")?,
                value: payload[4..].to_vec(),
            },
            ec::CANON_EOS_AVAIL_LIST_CHANGED => {
                let property = r.u32("EOS AvailListChanged.property")?;
                let data_type = r.u32("EOS AvailListChanged.type")?;
                let values = r.u32_array("EOS AvailListChanged.values")?;
                EosEvent::AvailListChanged {
                    property,
                    data_type,
                    values,
                }
            }
            ec::CANON_EOS_OBJECT_ADDED_EX => {
                let what = "EOS ObjectAddedEx";
                let fixed = r.take(OA_NAME - 8, what)?;
                let u32_at = |at: usize| {
                    u32::from_le_bytes([fixed[at - 8], fixed[at - 7], fixed[at - 6], fixed[at - 5]])
                };
                EosEvent::ObjectAddedEx {
                    handle: u32_at(0x08),
                    storage_id: u32_at(0x0C),
                    format: u16::from_le_bytes([fixed[0x10 - 8], fixed[0x11 - 8]]),
                    size: u32_at(0x1C),
                    parent: u32_at(0x20),
                    filename: ascii_name(&payload[OA_NAME - 8..], what)?,
                }
            }
            ec::CANON_EOS_REQUEST_OBJECT_TRANSFER => {
                let what = "EOS RequestObjectTransfer";
                let fixed = r.take(OI_NAME - 8, what)?;
                let u32_at = |at: usize| {
                    u32::from_le_bytes([fixed[at - 8], fixed[at - 7], fixed[at - 6], fixed[at - 5]])
                };
                EosEvent::RequestObjectTransfer {
                    handle: u32_at(0x08),
                    format: u16::from_le_bytes([fixed[0x0C - 8], fixed[0x0D - 8]]),
                    size: u32_at(0x14),
                    filename: ascii_name(&payload[OI_NAME - 8..], what)?,
                }
            }
            _ => EosEvent::Other {
                code,
                payload: payload.to_vec(),
            },
        })
    }
}

/// Encodes a GetEvent reply: the records, then the 8-byte terminator (size 8, type 0) that
/// libgphoto2 needs (it drops a last record not followed by one).
pub fn eos_events_bytes(events: &[EosEvent]) -> Vec<u8> {
    let mut out = Vec::new();
    for e in events {
        out.extend_from_slice(&e.record());
    }
    out.extend_from_slice(&8u32.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out
}

/// Parses a GetEvent reply; it must end with the terminator record.
pub fn parse_eos_events(bytes: &[u8]) -> Result<Vec<EosEvent>, DatasetError> {
    let mut r = Reader::new(bytes);
    let mut out = Vec::new();
    loop {
        let size = r.u32("EOS event record size")? as usize;
        let code = r.u32("EOS event record type")?;
        if size < 8 {
            return Err(err("EOS event record size", format!("{size} is below 8")));
        }
        if size == 8 && code == 0 {
            return Ok(out);
        }
        let payload = r.take(size - 8, "EOS event record")?;
        out.push(EosEvent::parse_record(code, payload)?);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device_info() -> DeviceInfo {
        DeviceInfo {
            standard_version: 100,
            vendor_extension_id: 11,
            vendor_extension_version: 100,
            vendor_extension_desc: "Canon".into(),
            functional_mode: 0,
            operations: vec![0x1001, 0x1002, 0x9116],
            events: vec![0x4002],
            properties: vec![0xD104],
            capture_formats: vec![0x3801],
            image_formats: vec![0x3801, 0x3000],
            manufacturer: "Canon Inc.".into(),
            model: "Canon EOS 2000D".into(),
            device_version: "1-1.0.0".into(),
            serial_number: "0123".into(),
        }
    }

    #[test]
    fn a_ptp_string_is_a_count_of_utf16_units_including_the_nul() {
        let mut out = Vec::new();
        put_string(&mut out, "Ab");
        assert_eq!(out, [3, b'A', 0, b'b', 0, 0, 0]);
        assert_eq!(Reader::new(&out).string("s"), Ok("Ab".into()));
        let mut empty = Vec::new();
        put_string(&mut empty, "");
        assert_eq!(empty, [0]);
    }

    #[test]
    fn a_string_without_its_nul_is_an_error() {
        let bytes = [2, b'A', 0, b'b', 0];
        assert!(Reader::new(&bytes).string("s").is_err());
    }

    #[test]
    fn datasets_round_trip() {
        let di = device_info();
        assert_eq!(DeviceInfo::parse(&di.to_bytes()), Ok(di));
        let si = StorageInfo {
            storage_type: 4,
            filesystem_type: 2,
            access_capability: 0,
            max_capacity: 1 << 34,
            free_space_bytes: 1 << 33,
            free_space_images: 999,
            description: "SD".into(),
            volume_label: "EOS_DIGITAL".into(),
        };
        assert_eq!(StorageInfo::parse(&si.to_bytes()), Ok(si));
        let oi = ObjectInfo {
            storage_id: 0x0001_0001,
            object_format: 0x3801,
            compressed_size: 12345,
            image_width: 600,
            image_height: 800,
            parent_object: 0,
            filename: "IMG_0001.JPG".into(),
            capture_date: "20261202T210000".into(),
            ..ObjectInfo::default()
        };
        assert_eq!(ObjectInfo::parse(&oi.to_bytes()), Ok(oi));
        let pd = DevicePropDesc {
            code: 0xD104,
            data_type: dtc::UINT8,
            writable: true,
            factory_default: PropValue::U8(0),
            current: PropValue::U8(8),
            form: PropForm::Enumeration(vec![
                PropValue::U8(0xF8),
                PropValue::U8(0),
                PropValue::U8(8),
            ]),
        };
        assert_eq!(DevicePropDesc::parse(&pd.to_bytes()), Ok(pd));
        let range = DevicePropDesc {
            code: 0x5010,
            data_type: dtc::INT16,
            writable: true,
            factory_default: PropValue::I16(0),
            current: PropValue::I16(-300),
            form: PropForm::Range {
                min: PropValue::I16(-5000),
                max: PropValue::I16(5000),
                step: PropValue::I16(333),
            },
        };
        assert_eq!(DevicePropDesc::parse(&range.to_bytes()), Ok(range));
    }

    #[test]
    fn eos_event_records_round_trip_and_end_with_the_terminator() {
        let events = vec![
            EosEvent::PropValueChanged {
                property: 0xD104,
                value: 8u32.to_le_bytes().to_vec(),
            },
            EosEvent::AvailListChanged {
                property: 0xD109,
                data_type: 6,
                values: vec![0, 1, 3],
            },
            EosEvent::ObjectAddedEx {
                handle: 0x9000_0001,
                storage_id: 0x0001_0001,
                format: 0x3801,
                size: 4096,
                parent: 0x9000_0000,
                filename: "IMG_0001.JPG".into(),
            },
            EosEvent::RequestObjectTransfer {
                handle: 0x9000_0002,
                format: 0x3801,
                size: 77,
                filename: "IMG_0002.JPG".into(),
            },
        ];
        let bytes = eos_events_bytes(&events);
        assert_eq!(&bytes[bytes.len() - 8..], &[8, 0, 0, 0, 0, 0, 0, 0]);
        // libgphoto2 reads the file name at offset 0x28 of an ObjectAddedEx record.
        let oa_start = bytes.len() - 8 - (0x1C + 13) - (0x28 + 13);
        assert_eq!(
            &bytes[oa_start + 0x28..oa_start + 0x28 + 12],
            b"IMG_0001.JPG"
        );
        assert_eq!(parse_eos_events(&bytes), Ok(events));
    }

    #[test]
    fn every_truncation_of_a_dataset_is_an_error_not_a_panic() {
        let bytes = device_info().to_bytes();
        for n in 0..bytes.len() {
            assert!(DeviceInfo::parse(&bytes[..n]).is_err(), "cut at {n}");
        }
        let events = eos_events_bytes(&[EosEvent::ObjectAddedEx {
            handle: 1,
            storage_id: 2,
            format: 3,
            size: 4,
            parent: 5,
            filename: "A.JPG".into(),
        }]);
        for n in 0..events.len() {
            assert!(parse_eos_events(&events[..n]).is_err(), "cut at {n}");
        }
    }

    #[test]
    fn a_huge_array_count_is_refused_before_allocating() {
        let bytes = [0xFF, 0xFF, 0xFF, 0xFF, 1, 0];
        assert!(parse_u32_array(&bytes).is_err());
        let record = [7u8, 0, 0, 0, 0x89, 0xC1, 0, 0];
        assert!(parse_eos_events(&record).is_err());
    }
}

#[cfg(test)]
mod fuzz_like {
    use super::*;

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_never_panic_a_dataset_parser(
            data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200),
        ) {
            let _ = DeviceInfo::parse(&data);
            let _ = StorageInfo::parse(&data);
            let _ = ObjectInfo::parse(&data);
            let _ = parse_u32_array(&data);
            if let Ok(desc) = DevicePropDesc::parse(&data) {
                proptest::prop_assert_eq!(DevicePropDesc::parse(&desc.to_bytes()), Ok(desc));
            }
            if let Ok(events) = parse_eos_events(&data) {
                proptest::prop_assert_eq!(parse_eos_events(&eos_events_bytes(&events)), Ok(events));
            }
        }
    }
}
