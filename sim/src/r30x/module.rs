//! The simulated module at wire level: bytes from the host in, bytes to the host out, with the
//! state a real module keeps (image buffer, two character buffers, template library, system
//! registers, password) and a finger that is placed and lifted.
//!
//! Finger model: a finger (1-10 of the seeded person, or none) is assigned by the test or the
//! operator. After each captured image the finger is lifted for one or two GenImg polls and then
//! placed again, giving a new impression; so host loops that wait for "no finger" between
//! impressions work as with a person at the sensor.
//!
//! Contract: deterministic from the seed; every malformed input gets the answer a module gives
//! (01 for a corrupted packet, FC for an unknown instruction, 01 for bad parameters) or, for
//! another address, none; faults injected with [`Fault`] act on the following replies.

use std::collections::VecDeque;

use rekam_drivers::r30x::Confirmation;
use rekam_drivers::r30x::command::{
    AuraLedConfig, CharBuffer, ProdInfo, Request, RequestError, SysPara,
};
use rekam_drivers::r30x::image::pack;
use rekam_drivers::r30x::packet::{DEFAULT_ADDRESS, Deframer, FrameError, Packet, Pid};

use super::finger::{HEIGHT, Impression, Minutia, SyntheticFinger, WIDTH, mix};
use super::template::{TEMPLATE_SIZE, decode, encode, score, threshold};
use crate::rng::SimRng;

/// How the simulated module is set up.
#[derive(Debug, Clone)]
pub struct ModuleConfig {
    /// Seed for the person, impressions and timing.
    pub seed: u64,
    /// Module address.
    pub address: u32,
    /// Module password (0: none needed).
    pub password: u32,
    /// Library capacity.
    pub library_size: u16,
    /// Whether the module answers ReadProdInfo and AuraLedConfig (R50x) or refuses them (R307).
    pub r50x_commands: bool,
}

impl ModuleConfig {
    /// An R307-like module with 1000 templates and the R50x extensions, at the default address.
    pub fn new(seed: u64) -> Self {
        Self {
            seed,
            address: DEFAULT_ADDRESS,
            password: 0,
            library_size: 1000,
            r50x_commands: true,
        }
    }
}

/// Misbehaviour to reproduce field faults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Send these bytes before the next reply (line noise, a boot banner).
    Garbage(Vec<u8>),
    /// `n` seeded random bytes before the next reply.
    RandomGarbage(usize),
    /// Stop answering altogether (a hung module).
    Silent,
    /// Carry out the next `n` commands but lose their replies (as on a noisy line).
    DropCommands(u32),
    /// Corrupt the checksum of the next reply.
    CorruptNextReply,
}

/// The simulated module.
pub struct SimulatedModule {
    config: ModuleConfig,
    rng: SimRng,
    deframer: Deframer,
    faults: VecDeque<Fault>,
    silent: bool,
    verified: bool,
    security_level: u16,
    packet_size_code: u16,
    baud_multiplier: u16,
    finger: Option<u8>,
    lifted_polls: u32,
    impressions: u64,
    image: Option<Vec<Minutia>>,
    image_pixels: Option<Vec<u8>>,
    buffers: [Option<Vec<u8>>; 2],
    library: Vec<Option<Vec<u8>>>,
    receiving: Option<(CharBuffer, Vec<u8>)>,
    led: Option<AuraLedConfig>,
    last_matched: bool,
    fingers: Vec<Option<SyntheticFinger>>,
}

impl SimulatedModule {
    /// A module with an empty library and finger 1 of the seeded person at the sensor.
    pub fn new(config: ModuleConfig) -> Self {
        let mut rng = SimRng::new(mix(&[config.seed, 0x7A11]));
        let lifted_polls = 1 + (rng.next_u64() % 3) as u32;
        Self {
            library: vec![None; usize::from(config.library_size)],
            rng,
            deframer: Deframer::new(),
            faults: VecDeque::new(),
            silent: false,
            verified: false,
            security_level: 3,
            packet_size_code: 2,
            baud_multiplier: 6,
            finger: Some(1),
            lifted_polls,
            impressions: 0,
            image: None,
            image_pixels: None,
            buffers: [None, None],
            receiving: None,
            led: None,
            last_matched: false,
            fingers: (0..10).map(|_| None).collect(),
            config,
        }
    }

    /// Puts finger `finger` (1-10) of the simulated person on the sensor, or takes every finger
    /// away (`None`): GenImg then answers "no finger" until a finger is placed.
    pub fn present_finger(&mut self, finger: Option<u8>) {
        self.finger = finger.filter(|f| (1..=10).contains(f));
        self.lifted_polls = 1;
    }

    /// Queues a fault.
    pub fn inject(&mut self, fault: Fault) {
        self.faults.push_back(fault);
    }

    /// The last LED setting.
    pub fn led(&self) -> Option<AuraLedConfig> {
        self.led
    }

    /// Templates stored.
    pub fn template_count(&self) -> usize {
        self.library.iter().flatten().count()
    }

    /// The last captured image (8-bit, `WIDTH * HEIGHT`), as a perfect sensor would send it.
    pub fn last_image(&self) -> Option<&[u8]> {
        self.image_pixels.as_deref()
    }

    /// Handles bytes from the host; returns the bytes the module sends back.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<u8> {
        self.deframer.push(bytes);
        let mut out = Vec::new();
        loop {
            let packet = self.deframer.next_packet();
            // A frame with a valid header but a corrupted body: the module says so.
            if let Some(FrameError::BadChecksum { .. }) = self.deframer.take_rejection() {
                self.reply(&mut out, vec![ack(Confirmation::ReceiveError, &[])]);
            }
            let Some(packet) = packet else { break };
            if packet.address != self.config.address {
                continue;
            }
            let replies = self.handle(packet);
            self.reply(&mut out, replies);
        }
        out
    }

    fn reply(&mut self, out: &mut Vec<u8>, replies: Vec<(Pid, Vec<u8>)>) {
        if replies.is_empty() {
            return;
        }
        while let Some(fault) = self.faults.pop_front() {
            match fault {
                Fault::Silent => self.silent = true,
                Fault::DropCommands(0) => continue,
                Fault::DropCommands(n) => {
                    self.faults.push_front(Fault::DropCommands(n - 1));
                    return;
                }
                Fault::Garbage(bytes) => out.extend(bytes),
                Fault::RandomGarbage(n) => {
                    out.extend((0..n).map(|_| (self.rng.next_u64() & 0xFF) as u8));
                }
                Fault::CorruptNextReply => {
                    self.emit(out, replies, true);
                    return;
                }
            }
        }
        if !self.silent {
            self.emit(out, replies, false);
        }
    }

    fn emit(&mut self, out: &mut Vec<u8>, replies: Vec<(Pid, Vec<u8>)>, corrupt: bool) {
        for (i, (pid, payload)) in replies.into_iter().enumerate() {
            // Payloads are built below MAX_PAYLOAD; an oversized one would be a simulator bug,
            // so it is dropped rather than sent malformed.
            if let Ok(packet) = Packet::new(self.config.address, pid, payload) {
                let mut bytes = packet.to_bytes();
                if corrupt
                    && i == 0
                    && let Some(last) = bytes.last_mut()
                {
                    *last ^= 0x5A;
                }
                out.extend(bytes);
            }
        }
    }

    fn handle(&mut self, packet: Packet) -> Vec<(Pid, Vec<u8>)> {
        match packet.pid {
            Pid::Command => {}
            Pid::Data | Pid::End => {
                if let Some((buffer, mut data)) = self.receiving.take() {
                    data.extend_from_slice(&packet.payload);
                    if packet.pid == Pid::End {
                        data.resize(TEMPLATE_SIZE, 0);
                        self.buffers[buffer as usize - 1] = Some(data);
                    } else {
                        self.receiving = Some((buffer, data));
                    }
                }
                return Vec::new();
            }
            Pid::Ack => return Vec::new(),
        }
        self.receiving = None;
        let request = match Request::parse(&packet.payload) {
            Ok(request) => request,
            Err(RequestError::Unknown(_)) => return vec![ack(Confirmation::Unsupported, &[])],
            Err(_) => return vec![ack(Confirmation::ReceiveError, &[])],
        };
        let needs_password = self.config.password != 0 && !self.verified;
        if needs_password && !matches!(request, Request::VfyPwd(_) | Request::HandShake(_)) {
            return vec![ack(Confirmation::PasswordRequired, &[])];
        }
        self.execute(request)
    }

    fn execute(&mut self, request: Request) -> Vec<(Pid, Vec<u8>)> {
        use Confirmation as C;
        let ok = |data: &[u8]| vec![ack(C::Ok, data)];
        let fail = |code| vec![ack(code, &[])];
        match request {
            Request::HandShake(_) => ok(&[]),
            Request::VfyPwd(v) => {
                self.verified = v.password == self.config.password;
                if self.verified {
                    ok(&[])
                } else {
                    fail(C::WrongPassword)
                }
            }
            Request::ReadSysPara(_) => ok(&self.system_parameters().to_bytes()),
            Request::ReadProdInfo(_) if !self.config.r50x_commands => fail(C::Unsupported),
            Request::ReadProdInfo(_) => ok(&self.product_info().to_bytes()),
            Request::AuraLedConfig(_) if !self.config.r50x_commands => fail(C::Unsupported),
            Request::AuraLedConfig(led) => {
                self.led = Some(led);
                ok(&[])
            }
            Request::GenImg(_) => self.gen_img(),
            Request::UpImage(_) => match &self.image_pixels {
                None => fail(C::ImageUploadFailed),
                Some(pixels) => {
                    let data = pack(pixels);
                    self.with_data(ack(C::Ok, &[]), &data)
                }
            },
            Request::Img2Tz(t) => match &self.image {
                None => fail(C::NoValidImage),
                Some(m) if m.len() < 8 => fail(C::TooFewFeatures),
                Some(m) => {
                    self.buffers[t.buffer as usize - 1] = Some(encode(m));
                    ok(&[])
                }
            },
            Request::Match(_) => match &self.buffers {
                [Some(a), Some(b)] => {
                    let s = score(a, b);
                    self.last_matched = s >= threshold(self.security_level);
                    let code = if self.last_matched { C::Ok } else { C::NoMatch };
                    vec![ack(code, &s.to_be_bytes())]
                }
                _ => fail(C::TemplateEmpty),
            },
            Request::RegModel(_) => match &self.buffers {
                [Some(a), Some(b)] if score(a, b) >= threshold(self.security_level) => {
                    let model = a.clone();
                    self.buffers = [Some(model.clone()), Some(model)];
                    ok(&[])
                }
                [Some(_), Some(_)] => fail(C::MergeFailed),
                _ => fail(C::TemplateEmpty),
            },
            Request::Store(s) => {
                match (&self.buffers[s.buffer as usize - 1], usize::from(s.page)) {
                    (_, page) if page >= self.library.len() => fail(C::BadPage),
                    (None, _) => fail(C::TemplateEmpty),
                    (Some(t), page) => {
                        self.library[page] = Some(t.clone());
                        ok(&[])
                    }
                }
            }
            Request::LoadChar(l) => match self.library.get(usize::from(l.page)) {
                None => fail(C::BadPage),
                Some(None) => fail(C::TemplateReadFailed),
                Some(Some(t)) => {
                    self.buffers[l.buffer as usize - 1] = Some(t.clone());
                    ok(&[])
                }
            },
            Request::Search(s) => {
                let Some(probe) = self.buffers[s.buffer as usize - 1].clone() else {
                    return fail(C::TemplateEmpty);
                };
                let start = usize::from(s.start);
                let end = (start + usize::from(s.count)).min(self.library.len());
                let best = (start..end)
                    .filter_map(|page| Some((page, score(&probe, self.library[page].as_ref()?))))
                    .max_by_key(|&(page, s)| (s, std::cmp::Reverse(page)));
                match best {
                    Some((page, s)) if s >= threshold(self.security_level) => {
                        self.last_matched = true;
                        let mut data = (page as u16).to_be_bytes().to_vec();
                        data.extend_from_slice(&s.to_be_bytes());
                        ok(&data)
                    }
                    _ => {
                        self.last_matched = false;
                        fail(C::NotFound)
                    }
                }
            }
            Request::UpChar(u) => match &self.buffers[u.buffer as usize - 1] {
                None => fail(C::TemplateUploadFailed),
                Some(t) => {
                    let t = t.clone();
                    self.with_data(ack(C::Ok, &[]), &t)
                }
            },
            Request::DownChar(d) => {
                self.receiving = Some((d.buffer, Vec::new()));
                ok(&[])
            }
            Request::DeletChar(d) => {
                let (start, count) = (usize::from(d.page), usize::from(d.count));
                if start + count > self.library.len() || count == 0 {
                    return fail(C::DeleteFailed);
                }
                self.library[start..start + count].fill(None);
                ok(&[])
            }
            Request::Empty(_) => {
                self.library.fill(None);
                ok(&[])
            }
            Request::SetSysPara(p) => {
                let v = u16::from(p.value);
                match p.register {
                    4 if (1..=12).contains(&v) => self.baud_multiplier = v,
                    5 if (1..=5).contains(&v) => self.security_level = v,
                    6 if v <= 3 => self.packet_size_code = v,
                    4..=6 => return fail(C::InvalidRegisterValue),
                    _ => return fail(C::InvalidRegister),
                }
                ok(&[])
            }
            Request::TemplateNum(_) => ok(&(self.template_count() as u16).to_be_bytes()),
            Request::ReadIndexTable(t) => {
                let mut table = [0u8; 32];
                for (i, slot) in self
                    .library
                    .iter()
                    .skip(usize::from(t.index) * 256)
                    .take(256)
                    .enumerate()
                {
                    if slot.is_some() {
                        table[i / 8] |= 1 << (i % 8);
                    }
                }
                ok(&table)
            }
        }
    }

    fn gen_img(&mut self) -> Vec<(Pid, Vec<u8>)> {
        let Some(finger) = self.finger else {
            return vec![ack(Confirmation::NoFinger, &[])];
        };
        if self.lifted_polls > 0 {
            self.lifted_polls -= 1;
            return vec![ack(Confirmation::NoFinger, &[])];
        }
        let index = usize::from(finger - 1);
        let seed = self.config.seed;
        let synthetic =
            self.fingers[index].get_or_insert_with(|| SyntheticFinger::new(seed, finger));
        self.impressions += 1;
        let Impression { pixels, minutiae } =
            synthetic.impression(mix(&[seed, u64::from(finger)]), self.impressions);
        self.image_pixels = Some(pixels);
        self.image = Some(minutiae);
        self.lifted_polls = 1 + (self.rng.next_u64() % 2) as u32;
        vec![ack(Confirmation::Ok, &[])]
    }

    fn with_data(&self, first: (Pid, Vec<u8>), data: &[u8]) -> Vec<(Pid, Vec<u8>)> {
        let size = 32usize << self.packet_size_code.min(3);
        let chunks: Vec<&[u8]> = data.chunks(size).collect();
        let mut out = vec![first];
        for (i, chunk) in chunks.iter().enumerate() {
            let pid = if i + 1 == chunks.len() {
                Pid::End
            } else {
                Pid::Data
            };
            out.push((pid, chunk.to_vec()));
        }
        out
    }

    fn system_parameters(&self) -> SysPara {
        let status = (u16::from(self.last_matched) << 1)
            | (u16::from(self.verified) << 2)
            | (u16::from(self.image.is_some()) << 3);
        SysPara {
            status,
            system_id: 0,
            library_size: self.config.library_size,
            security_level: self.security_level,
            address: self.config.address,
            packet_size_code: self.packet_size_code,
            baud_multiplier: self.baud_multiplier,
        }
    }

    fn product_info(&self) -> ProdInfo {
        ProdInfo {
            model: "R307-SIM".into(),
            batch: "REKM".into(),
            serial: format!("{:08}", self.config.seed % 100_000_000),
            hardware_version: (1, 0),
            sensor: "SYNTH".into(),
            width: WIDTH as u16,
            height: HEIGHT as u16,
            template_size: TEMPLATE_SIZE as u16,
            library_size: self.config.library_size,
        }
    }

    /// Minutiae the module would extract from the image buffer (for tests of the matcher).
    pub fn image_minutiae(&self) -> Option<usize> {
        self.image.as_ref().map(Vec::len)
    }

    /// Decoded minutia count of the template at `page`, if one is stored.
    pub fn stored_minutiae(&self, page: u16) -> Option<usize> {
        Some(decode(self.library.get(usize::from(page))?.as_ref()?).len())
    }
}

fn ack(code: Confirmation, data: &[u8]) -> (Pid, Vec<u8>) {
    let mut payload = vec![code.as_u8()];
    payload.extend_from_slice(data);
    (Pid::Ack, payload)
}
