// nshost: loads NeuralSynth.vst3 like a DAW (dlopen, ModuleEntry, GetPluginFactory, component + controller,
// initialize, connect, setupProcessing, activate, process) and prints one JSON object with what it saw.
//   nshost BUNDLE.vst3 OUTDIR [SECOND_BUNDLE.vst3]
// With a second bundle, it is loaded into the same process after the first (one .NET runtime for both) and
// plays one note; its result is under "second_bundle".
// OUTDIR receives scale_44100_offline.wav, scale_48000_offline.wav and scale_48000_realtime.wav (32-bit float
// stereo): a C-major scale C4..C5, bounced offline (waiting for renders) and then played in realtime from the cache.
// Exit code 0 when the run completed (the checks themselves are made by tests/NeuralSynth.Plugin.Tests).
#include "vst3.h"

#include <dlfcn.h>
#include <unistd.h>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

using namespace vst;

// ---------------- host-side objects ----------------

static bool same_iid(const uint8_t* a, const uint8_t* b) { return a && std::memcmp(a, b, 16) == 0; }

template <class I>
struct HostObject : I {
    std::atomic<uint32_t> refs{1};
    const uint8_t* iid;
    explicit HostObject(const uint8_t* id) : iid(id) {}
    tresult queryInterface(const uint8_t* id, void** obj) override {
        if (same_iid(id, IID_FUnknown) || same_iid(id, iid)) { addRef(); *obj = this; return kResultOk; }
        *obj = nullptr;
        return kNoInterface;
    }
    uint32_t addRef() override { return ++refs; }
    uint32_t release() override { return --refs; }   // owned by the host's stack/vectors, never deleted through here
};

struct HostApp : HostObject<IHostApplication> {
    HostApp() : HostObject(IID_IHostApplication) {}
    tresult getName(char16_t* name) override {
        const char* n = "NeuralSynth test host";
        int i = 0;
        for (; n[i] && i < 127; i++) name[i] = (char16_t)n[i];
        name[i] = 0;
        return kResultOk;
    }
    tresult createInstance(uint8_t*, uint8_t*, void** obj) override { *obj = nullptr; return kResultFalse; }
};

struct MemoryStream : HostObject<IBStream> {
    std::vector<uint8_t> data;
    int64_t pos = 0;
    MemoryStream() : HostObject(IID_IBStream) {}
    explicit MemoryStream(std::vector<uint8_t> d) : HostObject(IID_IBStream), data(std::move(d)) {}
    tresult read(void* buffer, int32_t n, int32_t* nRead) override {
        int32_t k = (int32_t)std::max<int64_t>(0, std::min<int64_t>(n, (int64_t)data.size() - pos));
        if (k > 0) std::memcpy(buffer, data.data() + pos, k);
        pos += k;
        if (nRead) *nRead = k;
        return kResultOk;
    }
    tresult write(void* buffer, int32_t n, int32_t* nWritten) override {
        if (n < 0) return kInvalidArgument;
        if ((int64_t)data.size() < pos + n) data.resize(pos + n);
        std::memcpy(data.data() + pos, buffer, n);
        pos += n;
        if (nWritten) *nWritten = n;
        return kResultOk;
    }
    tresult seek(int64_t p, int32_t mode, int64_t* result) override {
        int64_t base = mode == 0 ? 0 : mode == 1 ? pos : (int64_t)data.size();
        if (base + p < 0) return kInvalidArgument;
        pos = base + p;
        if (result) *result = pos;
        return kResultOk;
    }
    tresult tell(int64_t* p) override { if (p) *p = pos; return kResultOk; }
};

struct EventList : HostObject<IEventList> {
    std::vector<Event> events;
    EventList() : HostObject(IID_IEventList) {}
    int32_t getEventCount() override { return (int32_t)events.size(); }
    tresult getEvent(int32_t i, Event* e) override {
        if (i < 0 || i >= (int32_t)events.size()) return kInvalidArgument;
        *e = events[i];
        return kResultOk;
    }
    tresult addEvent(Event* e) override { events.push_back(*e); return kResultOk; }
};

struct ParamQueue final : HostObject<IParamValueQueue> {
    uint32_t id;
    std::vector<std::pair<int32_t, double>> points;
    explicit ParamQueue(uint32_t i) : HostObject(IID_IParamValueQueue), id(i) {}
    uint32_t getParameterId() override { return id; }
    int32_t getPointCount() override { return (int32_t)points.size(); }
    tresult getPoint(int32_t i, int32_t* offset, double* value) override {
        if (i < 0 || i >= (int32_t)points.size()) return kInvalidArgument;
        *offset = points[i].first;
        *value = points[i].second;
        return kResultOk;
    }
    tresult addPoint(int32_t offset, double value, int32_t* index) override {
        points.emplace_back(offset, value);
        if (index) *index = (int32_t)points.size() - 1;
        return kResultOk;
    }
};

struct ParamChanges : HostObject<IParameterChanges> {
    std::vector<ParamQueue*> queues;
    ParamChanges() : HostObject(IID_IParameterChanges) {}
    ~ParamChanges() { clear(); }
    void clear() { for (auto* q : queues) delete q; queues.clear(); }
    void add(uint32_t id, int32_t offset, double value) {
        for (auto* q : queues) if (q->id == id) { q->addPoint(offset, value, nullptr); return; }
        auto* q = new ParamQueue(id);
        q->addPoint(offset, value, nullptr);
        queues.push_back(q);
    }
    int32_t getParameterCount() override { return (int32_t)queues.size(); }
    IParamValueQueue* getParameterData(int32_t i) override { return i >= 0 && i < (int32_t)queues.size() ? queues[i] : nullptr; }
    IParamValueQueue* addParameterData(const uint32_t* id, int32_t* index) override {
        queues.push_back(new ParamQueue(*id));
        if (index) *index = (int32_t)queues.size() - 1;
        return queues.back();
    }
};

// ---------------- helpers ----------------

static double now_ms() {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

static long rss_kb() {
    FILE* f = std::fopen("/proc/self/statm", "r");
    long pages = 0, resident = 0;
    if (f) { if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0; std::fclose(f); }
    return resident * 4;   // 4 KiB pages
}

static std::string hex(const uint8_t* b, int n) {
    static const char* d = "0123456789ABCDEF";
    std::string s;
    for (int i = 0; i < n; i++) { s += d[b[i] >> 4]; s += d[b[i] & 15]; }
    return s;
}

static std::string json_escape(const std::string& s) {
    std::string o;
    for (unsigned char c : s) {
        if (c == '"' || c == '\\') { o += '\\'; o += (char)c; }
        else if (c < 0x20) { char buf[8]; std::snprintf(buf, sizeof buf, "\\u%04x", c); o += buf; }
        else o += (char)c;
    }
    return o;
}

static std::string utf16_to_utf8(const char16_t* s) {
    std::string o;
    for (int i = 0; i < 128 && s[i]; i++) {
        char16_t c = s[i];
        if (c < 0x80) o += (char)c;
        else if (c < 0x800) { o += (char)(0xC0 | (c >> 6)); o += (char)(0x80 | (c & 63)); }
        else { o += (char)(0xE0 | (c >> 12)); o += (char)(0x80 | ((c >> 6) & 63)); o += (char)(0x80 | (c & 63)); }
    }
    return o;
}

static void write_wav(const std::string& path, const std::vector<float>& l, const std::vector<float>& r, int rate) {
    FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) return;
    uint32_t frames = (uint32_t)l.size(), dataBytes = frames * 8, u32;
    uint16_t u16;
    std::fwrite("RIFF", 1, 4, f); u32 = 36 + dataBytes; std::fwrite(&u32, 4, 1, f);
    std::fwrite("WAVEfmt ", 1, 8, f); u32 = 16; std::fwrite(&u32, 4, 1, f);
    u16 = 3; std::fwrite(&u16, 2, 1, f);                 // IEEE float
    u16 = 2; std::fwrite(&u16, 2, 1, f);
    u32 = (uint32_t)rate; std::fwrite(&u32, 4, 1, f);
    u32 = (uint32_t)rate * 8; std::fwrite(&u32, 4, 1, f);
    u16 = 8; std::fwrite(&u16, 2, 1, f);
    u16 = 32; std::fwrite(&u16, 2, 1, f);
    std::fwrite("data", 1, 4, f); std::fwrite(&dataBytes, 4, 1, f);
    for (uint32_t i = 0; i < frames; i++) { std::fwrite(&l[i], 4, 1, f); std::fwrite(&r[i], 4, 1, f); }
    std::fclose(f);
}

// ---------------- the plug-in under test ----------------

typedef IPluginFactory* (*GetFactoryFn)();
typedef bool (*ModuleEntryFn)(void*);
typedef bool (*ModuleExitFn)();

static IPluginFactory* g_factory;
static uint8_t g_processorCid[16];
static HostApp g_host;

struct Instance {
    IComponent* component = nullptr;
    IAudioProcessor* processor = nullptr;
    IEditController* controller = nullptr;
    IConnectionPoint* componentCp = nullptr;
    IConnectionPoint* controllerCp = nullptr;
    int blockSize = 512;
    int mode = 0;   // kRealtime 0, kPrefetch 1, kOffline 2
    double rate = 44100;
    bool ok = false;
    std::string error;

    bool create() {
        if (g_factory->createInstance((const char*)g_processorCid, (const char*)IID_IComponent, (void**)&component) != kResultOk || !component)
            return fail("createInstance(component)");
        if (component->initialize(&g_host) != kResultOk) return fail("component initialize");
        if (component->queryInterface(IID_IAudioProcessor, (void**)&processor) != kResultOk) return fail("QI IAudioProcessor");
        uint8_t ccid[16];
        if (component->getControllerClassId(ccid) != kResultOk) return fail("getControllerClassId");
        if (g_factory->createInstance((const char*)ccid, (const char*)IID_IEditController, (void**)&controller) != kResultOk || !controller)
            return fail("createInstance(controller)");
        if (controller->initialize(&g_host) != kResultOk) return fail("controller initialize");
        if (component->queryInterface(IID_IConnectionPoint, (void**)&componentCp) != kResultOk ||
            controller->queryInterface(IID_IConnectionPoint, (void**)&controllerCp) != kResultOk) return fail("QI IConnectionPoint");
        if (componentCp->connect(controllerCp) != kResultOk || controllerCp->connect(componentCp) != kResultOk) return fail("connect");
        MemoryStream s;
        if (component->getState(&s) != kResultOk) return fail("getState");
        s.pos = 0;
        if (controller->setComponentState(&s) != kResultOk) return fail("setComponentState");
        return true;
    }

    bool start(double sampleRate, int block, int processMode = 0) {
        rate = sampleRate;
        blockSize = block;
        mode = processMode;
        ProcessSetup setup{mode, 0, block, sampleRate};
        if (processor->setupProcessing(&setup) != kResultOk) return fail("setupProcessing");
        if (component->activateBus(0, 1, 0, 1) != kResultOk || component->activateBus(1, 0, 0, 1) != kResultOk) return fail("activateBus");
        if (component->setActive(1) != kResultOk) return fail("setActive");
        if (processor->setProcessing(1) != kResultOk) return fail("setProcessing");
        return ok = true;
    }

    // One block: returns the output silence flags.
    uint64_t process(float* l, float* r, int n, EventList* events, ParamChanges* changes) {
        float* channels[2] = {l, r};
        AudioBusBuffers out{2, 0, (void**)channels};
        ProcessData d{};
        d.processMode = mode; d.symbolicSampleSize = 0; d.numSamples = n; d.numOutputs = 1; d.outputs = &out;
        d.inputEvents = events; d.inputParameterChanges = changes;
        if (processor->process(&d) != kResultOk) { error = "process failed"; ok = false; }
        return out.silenceFlags;
    }

    uint32_t stop_and_release() {
        uint32_t remaining = 0;
        if (processor) { processor->setProcessing(0); component->setActive(0); }
        if (componentCp && controllerCp) { componentCp->disconnect(controllerCp); controllerCp->disconnect(componentCp); }
        if (componentCp) componentCp->release();
        if (controllerCp) controllerCp->release();
        if (controller) { controller->terminate(); remaining += controller->release(); }
        if (processor) processor->release();
        if (component) { component->terminate(); remaining += component->release(); }
        component = nullptr; processor = nullptr; controller = nullptr; componentCp = controllerCp = nullptr;
        return remaining;   // 0 when both objects were freed
    }

    bool fail(const char* what) { error = what; ok = false; return false; }

    std::vector<uint8_t> state() {
        MemoryStream s;
        component->getState(&s);
        return s.data;
    }
};

static Event note(bool on, int offset, int pitch, float velocity) {
    Event e{};
    e.sampleOffset = offset;
    e.type = on ? kNoteOnEvent : kNoteOffEvent;
    if (on) { e.noteOn.pitch = (int16_t)pitch; e.noteOn.velocity = velocity; e.noteOn.noteId = -1; }
    else { e.noteOff.pitch = (int16_t)pitch; e.noteOff.velocity = 0; e.noteOff.noteId = -1; }
    return e;
}

// Plays C4 D4 E4 F4 G4 A4 B4 C5, each 0.4 s on and 0.1 s off, starting at 0.1 s; events at offsets inside
// blocks; a gain automation ramp (sample-accurate points) during the 4th note. Then 1.5 s of idle.
// Offline mode (2) waits for each note's render, as a DAW's bounce does; realtime mode plays what is cached.
static std::string play_scale(double rate, const std::string& outdir, double* readyMs, int mode, bool automateGain = true) {
    double t0 = now_ms();
    Instance inst;
    if (!inst.create() || !inst.start(rate, 512, mode)) return "{\"rate\":" + std::to_string((int)rate) + ",\"error\":\"" + inst.error + "\"}";
    *readyMs = now_ms() - t0;
    const int pitches[8] = {60, 62, 64, 65, 67, 69, 71, 72};
    const int noteLen = (int)(0.4 * rate), gap = (int)(0.1 * rate), start = (int)(0.1 * rate);
    int scaleEnd = start + 8 * (noteLen + gap);
    int idleStart = scaleEnd + (int)(0.5 * rate), total = idleStart + (int)(1.0 * rate);
    std::vector<float> L(total), R(total);
    EventList events;
    ParamChanges changes;
    int silentBlocksIdle = 0, idleBlocks = 0;
    const int gainAutomationStart = start + 3 * (noteLen + gap);
    for (int pos = 0; pos < total; pos += inst.blockSize) {
        int n = std::min(inst.blockSize, total - pos);
        events.events.clear();
        changes.clear();
        for (int k = 0; k < 8; k++) {
            int on = start + k * (noteLen + gap), off = on + noteLen;
            if (on >= pos && on < pos + n) events.events.push_back(note(true, on - pos, pitches[k], 0.8f));
            if (off >= pos && off < pos + n) events.events.push_back(note(false, off - pos, pitches[k], 0));
        }
        // gain: 0 dB -> -12 dB over the 4th note, a point every 64 samples (normalized (g+60)/72)
        for (int i = 0; automateGain && i < n; i += 64) {
            int t = pos + i - gainAutomationStart;
            if (t >= 0 && t < noteLen) changes.add(12, i, (0.0 - 12.0 * t / noteLen + 60.0) / 72.0);
        }
        if (automateGain && pos <= gainAutomationStart + noteLen && gainAutomationStart + noteLen < pos + n)
            changes.add(12, gainAutomationStart + noteLen - pos, 60.0 / 72.0);
        uint64_t flags = inst.process(&L[pos], &R[pos], n, events.events.empty() ? nullptr : &events,
                                      changes.queues.empty() ? nullptr : &changes);
        if (pos >= idleStart) { idleBlocks++; if ((flags & 3) == 3) silentBlocksIdle++; }
    }
    double idlePeak = 0;
    for (int i = idleStart; i < total; i++) idlePeak = std::max(idlePeak, (double)std::max(std::fabs(L[i]), std::fabs(R[i])));
    std::string wav = outdir + "/scale_" + std::to_string((int)rate) + (mode == 2 ? "_offline" : "_realtime") + ".wav";
    write_wav(wav, L, R, (int)rate);
    uint32_t tail = inst.processor->getTailSamples();
    uint32_t left = inst.stop_and_release();
    std::string notes = "[";
    for (int k = 0; k < 8; k++) {
        int on = start + k * (noteLen + gap);
        notes += (k ? "," : "") + std::string("{\"pitch\":") + std::to_string(pitches[k]) + ",\"start\":" + std::to_string(on) +
                 ",\"end\":" + std::to_string(on + noteLen) + "}";
    }
    notes += "]";
    char buf[512];
    std::snprintf(buf, sizeof buf, "{\"rate\":%d,\"mode\":%d,\"gain_automation\":%s,\"wall_ms\":%.1f,\"ok\":%s,\"error\":\"%s\",\"wav\":\"%s\",\"ready_ms\":%.2f,\"idle_start\":%d,\"idle_peak\":%.9g,"
                  "\"idle_blocks\":%d,\"idle_silent_blocks\":%d,\"tail_samples\":%u,\"refs_left\":%u,\"notes\":",
                  (int)rate, mode, automateGain ? "true" : "false", now_ms() - t0, inst.error.empty() ? "true" : "false", json_escape(inst.error).c_str(), json_escape(wav).c_str(), *readyMs,
                  idleStart, idlePeak, idleBlocks, silentBlocksIdle, tail, left);
    return std::string(buf) + notes + "}";
}

// Cold start in realtime mode, as a musician meets it: instantiate, then hold middle C (re-striking it every 0.25 s,
// as nothing can sound before the model has loaded) until the first non-zero sample, processing at real-time pace.
static std::string first_sound(double* readyMs) {
    double t0 = now_ms();
    Instance inst;
    if (!inst.create() || !inst.start(48000, 256, 0)) return "{\"error\":\"" + inst.error + "\"}";
    double ready = *readyMs = now_ms() - t0;
    std::vector<float> L(256), R(256);
    double heard = -1;
    for (int b = 0; b < 48000 / 256 * 120 && heard < 0; b++) {
        EventList ev;
        if (b % 47 == 0) { ev.events.push_back(note(false, 0, 60, 0)); ev.events.push_back(note(true, 1, 60, 0.8f)); }
        inst.process(L.data(), R.data(), 256, ev.events.empty() ? nullptr : &ev, nullptr);
        for (int i = 0; i < 256; i++) if (L[i] != 0) { heard = now_ms() - t0; break; }
        usleep(256 * 1000000 / 48000);
    }
    inst.stop_and_release();
    char buf[160];
    std::snprintf(buf, sizeof buf, "{\"ready_ms\":%.2f,\"first_sound_ms\":%.1f}", ready, heard);
    return buf;
}

// Renders the default sound's whole keyboard (MIDI 24-84 x velocities 50/90/127) through an offline instance, so
// the shared voice cache is complete before instances are counted for leaks (background renders would grow RSS).
static std::string warm_keyboard() {
    double t0 = now_ms();
    Instance inst;
    if (!inst.create() || !inst.start(48000, 512, 2)) return "{\"error\":\"" + inst.error + "\"}";
    std::vector<float> L(512), R(512);
    int notes = 0;
    for (int velocity : {50, 90, 127}) {
        EventList on, off;
        for (int p = 24; p <= 84; p++) { on.events.push_back(note(true, 0, p, velocity / 127.0f)); off.events.push_back(note(false, 0, p, 0)); notes++; }
        inst.process(L.data(), R.data(), 512, &on, nullptr);
        inst.process(L.data(), R.data(), 512, &off, nullptr);
    }
    double ms = now_ms() - t0;
    inst.stop_and_release();
    char buf[128];
    std::snprintf(buf, sizeof buf, "{\"notes\":%d,\"ms\":%.1f}", notes, ms);
    return buf;
}

// A .vstpreset loaded the way a DAW's preset browser does: read the file, check its class id, hand the 'Comp' chunk
// to setState (and to the controller), then bounce middle C offline. Reports whether getState gives the chunk back,
// and the note's peak and checksum next to the same note from a fresh (default) instance.
static bool read_file(const std::string& path, std::vector<uint8_t>& out) {
    FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) return false;
    uint8_t buf[65536];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.insert(out.end(), buf, buf + n);
    std::fclose(f);
    return true;
}

static int64_t le64(const uint8_t* p) { int64_t v = 0; for (int i = 7; i >= 0; i--) v = (v << 8) | p[i]; return v; }

static bool vstpreset_comp(const std::vector<uint8_t>& f, std::string& classId, std::vector<uint8_t>& comp) {
    if (f.size() < 48 || std::memcmp(f.data(), "VST3", 4) != 0) return false;
    classId.assign((const char*)f.data() + 8, 32);
    int64_t list = le64(f.data() + 40);
    if (list < 48 || list + 8 > (int64_t)f.size() || std::memcmp(f.data() + list, "List", 4) != 0) return false;
    int32_t count = (int32_t)(f[list + 4] | f[list + 5] << 8 | f[list + 6] << 16 | f[list + 7] << 24);
    for (int32_t i = 0; i < count; i++) {
        int64_t e = list + 8 + (int64_t)i * 20;
        if (e + 20 > (int64_t)f.size()) return false;
        int64_t off = le64(f.data() + e + 4), size = le64(f.data() + e + 12);
        if (std::memcmp(f.data() + e, "Comp", 4) == 0 && off >= 0 && size >= 0 && off + size <= (int64_t)f.size()) {
            comp.assign(f.begin() + off, f.begin() + off + size);
            return true;
        }
    }
    return false;
}

static std::string bounce_middle_c(Instance& inst, double* peak, uint64_t* checksum) {
    std::vector<float> L(24000), R(24000);
    for (int pos = 0; pos < 24000; pos += 480) {
        EventList ev;
        if (pos == 0) ev.events.push_back(note(true, 0, 60, 0.8f));
        inst.process(&L[pos], &R[pos], 480, pos == 0 ? &ev : nullptr, nullptr);
    }
    *peak = 0; *checksum = 1469598103934665603ull;
    for (float v : L) {
        *peak = std::max(*peak, (double)std::fabs(v));
        uint32_t bits; std::memcpy(&bits, &v, 4);
        *checksum = (*checksum ^ bits) * 1099511628211ull;
    }
    return inst.error;
}

static std::string preset_check(const char* path) {
    if (!path) return "null";
    std::vector<uint8_t> file, comp;
    std::string classId;
    if (!read_file(path, file) || !vstpreset_comp(file, classId, comp)) return "{\"error\":\"unreadable vstpreset\"}";
    bool classMatches = classId == hex(g_processorCid, 16);
    Instance inst, fresh;
    if (!inst.create() || !fresh.create()) return "{\"error\":\"create\"}";
    MemoryStream in(comp);
    tresult setRc = inst.component->setState(&in);
    MemoryStream cin(comp);
    tresult ctrlRc = inst.controller->setComponentState(&cin);
    bool same = inst.state() == comp;
    if (!inst.start(48000, 480, 2) || !fresh.start(48000, 480, 2)) return "{\"error\":\"start\"}";
    double peak = 0, freshPeak = 0;
    uint64_t sum = 0, freshSum = 0;
    bounce_middle_c(inst, &peak, &sum);
    bounce_middle_c(fresh, &freshPeak, &freshSum);
    bool sameAfterPlaying = inst.state() == comp;
    inst.stop_and_release();
    fresh.stop_and_release();
    char buf[400];
    std::snprintf(buf, sizeof buf, "{\"class_matches\":%s,\"set_rc\":%d,\"controller_rc\":%d,\"state_equal\":%s,\"state_equal_after_playing\":%s,"
                  "\"peak\":%.6g,\"checksum\":\"%016llx\",\"default_peak\":%.6g,\"default_checksum\":\"%016llx\"}",
                  classMatches ? "true" : "false", setRc, ctrlRc, same ? "true" : "false", sameAfterPlaying ? "true" : "false",
                  peak, (unsigned long long)sum, freshPeak, (unsigned long long)freshSum);
    return buf;
}

// A fresh instance that never gets a note must output exact silence with the silence flags set.
static std::string idle_check() {
    Instance inst;
    if (!inst.create() || !inst.start(48000, 256)) return "{\"error\":\"" + inst.error + "\"}";
    std::vector<float> L(256, 1.0f), R(256, 1.0f);
    double peak = 0;
    int flagged = 0;
    for (int b = 0; b < 200; b++) {
        if ((inst.process(L.data(), R.data(), 256, nullptr, nullptr) & 3) == 3) flagged++;
        for (int i = 0; i < 256; i++) peak = std::max(peak, (double)std::max(std::fabs(L[i]), std::fabs(R[i])));
    }
    inst.stop_and_release();
    char buf[160];
    std::snprintf(buf, sizeof buf, "{\"blocks\":200,\"peak\":%.9g,\"silence_flagged_blocks\":%d}", peak, flagged);
    return buf;
}

// State: parameters set through process() come back from getState; another instance takes them;
// corrupt, foreign and empty states behave.
static std::string state_check() {
    Instance a, b;
    if (!a.create() || !a.start(44100, 128) || !b.create() || !b.start(44100, 128)) return "{\"error\":\"create\"}";
    std::vector<float> L(128), R(128);
    ParamChanges ch;
    ch.add(12, 5, 0.5);    // gain
    ch.add(14, 0, 0.25);   // release
    ch.add(1, 100, 0.3);   // morph x
    a.process(L.data(), R.data(), 128, nullptr, &ch);
    std::vector<uint8_t> sa = a.state();
    MemoryStream in(sa);
    tresult setOk = b.component->setState(&in);
    std::vector<uint8_t> sb = b.state();
    MemoryStream cs(sa);
    tresult ctrlOk = b.controller->setComponentState(&cs);
    double ctrlGain = b.controller->getParamNormalized(12), ctrlRelease = b.controller->getParamNormalized(14);

    std::vector<uint8_t> corrupt = sa;
    corrupt[corrupt.size() / 2] ^= 0x5A;
    MemoryStream cin(corrupt);
    tresult corruptRc = b.component->setState(&cin);
    bool keptAfterCorrupt = b.state() == sa;
    std::vector<uint8_t> foreign = {'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd', '!', 0, 1, 2, 3};
    MemoryStream fin(foreign);
    tresult foreignRc = b.component->setState(&fin);
    std::vector<uint8_t> trunc(sa.begin(), sa.begin() + sa.size() - 5);
    MemoryStream tin(trunc);
    tresult truncRc = b.component->setState(&tin);
    bool keptAfterForeign = b.state() == sa;
    MemoryStream empty;
    tresult emptyRc = b.component->setState(&empty);
    bool emptyGivesDefaults = b.state() != sa;
    Instance fresh;
    bool freshOk = fresh.create();
    bool emptyEqualsFresh = freshOk && b.state() == fresh.state();
    fresh.stop_and_release();
    a.stop_and_release();
    b.stop_and_release();
    char buf[768];
    std::snprintf(buf, sizeof buf,
                  "{\"state_bytes\":%zu,\"state_hex_prefix\":\"%s\",\"set_rc\":%d,\"round_trip_equal\":%s,\"controller_rc\":%d,"
                  "\"controller_gain\":%.9g,\"controller_release\":%.9g,\"corrupt_rc\":%d,\"kept_after_corrupt\":%s,\"foreign_rc\":%d,"
                  "\"truncated_rc\":%d,\"kept_after_foreign\":%s,\"empty_rc\":%d,\"empty_changes_state\":%s,\"empty_equals_fresh\":%s}",
                  sa.size(), hex(sa.data(), std::min<size_t>(8, sa.size())).c_str(), setOk, sa == sb ? "true" : "false", ctrlOk,
                  ctrlGain, ctrlRelease, corruptRc, keptAfterCorrupt ? "true" : "false", foreignRc, truncRc,
                  keptAfterForeign ? "true" : "false", emptyRc, emptyGivesDefaults ? "true" : "false", emptyEqualsFresh ? "true" : "false");
    return buf;
}

// Parameters: every one described, printed with units, parsed back; MIDI mapping.
static std::string params_check() {
    Instance inst;
    if (!inst.create()) return "{\"error\":\"create\"}";
    std::string out = "{\"params\":[";
    int count = inst.controller->getParameterCount();
    for (int i = 0; i < count; i++) {
        ParameterInfo info{};
        inst.controller->getParameterInfo(i, &info);
        out += (i ? "," : "") + std::string("{\"id\":") + std::to_string(info.id) + ",\"title\":\"" + json_escape(utf16_to_utf8(info.title)) +
               "\",\"units\":\"" + json_escape(utf16_to_utf8(info.units)) + "\",\"steps\":" + std::to_string(info.stepCount) +
               ",\"flags\":" + std::to_string(info.flags) + ",\"values\":[";
        const double probes[4] = {0.0, 0.37, 0.8, 1.0};
        for (int k = 0; k < 4; k++) {
            char16_t text[128] = {};
            inst.controller->getParamStringByValue(info.id, probes[k], text);
            double back = -1;
            tresult rc = inst.controller->getParamValueByString(info.id, text, &back);
            char buf[256];
            std::snprintf(buf, sizeof buf, "%s{\"norm\":%.9g,\"plain\":%.9g,\"text\":\"%s\",\"parse_rc\":%d,\"parsed_plain\":%.9g}", k ? "," : "",
                          probes[k], inst.controller->normalizedParamToPlain(info.id, probes[k]), json_escape(utf16_to_utf8(text)).c_str(), rc,
                          rc == kResultOk ? inst.controller->normalizedParamToPlain(info.id, back) : -1.0);
            out += buf;
        }
        out += "]}";
    }
    out += "],\"midi\":{";
    IMidiMapping* mm = nullptr;
    if (inst.controller->queryInterface(IID_IMidiMapping, (void**)&mm) == kResultOk && mm) {
        const int16_t ccs[4] = {129, 64, 1, 7};
        for (int k = 0; k < 4; k++) {
            uint32_t id = 0xFFFFFFFF;
            tresult rc = mm->getMidiControllerAssignment(0, 0, ccs[k], &id);
            out += (k ? "," : "") + std::string("\"") + std::to_string(ccs[k]) + "\":" + (rc == kResultOk ? std::to_string(id) : "null");
        }
        mm->release();
    }
    out += "}}";
    inst.stop_and_release();
    return out;
}

// `count` instances created, run and released, `rounds` times: RSS after each round (the first warms the runtime).
static std::string instances_check(int count, int rounds) {
    long before = rss_kb();
    std::string perRound = "[";
    int failures = 0;
    unsigned refsLeft = 0;
    double readyTotal = 0;
    std::vector<float> L(256), R(256);
    for (int round = 0; round < rounds; round++) {
        std::vector<Instance> all(count);
        for (auto& inst : all) {
            double t0 = now_ms();
            if (!inst.create() || !inst.start(48000, 256)) { failures++; continue; }
            readyTotal += now_ms() - t0;
            EventList ev;
            ev.events.push_back(note(true, 10, 69, 1.0f));
            inst.process(L.data(), R.data(), 256, &ev, nullptr);
            for (int b = 0; b < 4; b++) inst.process(L.data(), R.data(), 256, nullptr, nullptr);
        }
        for (auto& inst : all) refsLeft += inst.stop_and_release();
        perRound += (round ? "," : "") + std::to_string(rss_kb());
    }
    perRound += "]";
    char buf[320];
    std::snprintf(buf, sizeof buf, "{\"count\":%d,\"rounds\":%d,\"failures\":%d,\"refs_left\":%u,\"rss_kb_before\":%ld,\"mean_ready_ms\":%.3f,\"rss_kb_after_round\":",
                  count, rounds, failures, refsLeft, before, readyTotal / ((double)rounds * count));
    return buf + perRound + "}";
}

static std::string so_path(const std::string& bundle) {
    std::string name = bundle;
    while (!name.empty() && name.back() == '/') name.pop_back();
    std::string stem = name.substr(name.find_last_of('/') + 1);
    stem = stem.substr(0, stem.rfind(".vst3"));
    return name + "/Contents/x86_64-linux/" + stem + ".so";
}

// Loads another bundle while the first is still loaded: it must join the running runtime and work.
static std::string second_bundle(const std::string& bundle) {
    std::string so = so_path(bundle);
    void* lib = dlopen(so.c_str(), RTLD_LAZY | RTLD_LOCAL);
    if (!lib) return "{\"error\":\"dlopen\"}";
    auto entry = (ModuleEntryFn)dlsym(lib, "ModuleEntry");
    auto exitFn = (ModuleExitFn)dlsym(lib, "ModuleExit");
    auto getFactory = (GetFactoryFn)dlsym(lib, "GetPluginFactory");
    if (!entry || !exitFn || !getFactory || !entry(lib)) { dlclose(lib); return "{\"error\":\"entry points\"}"; }
    double t0 = now_ms();
    IPluginFactory* factory = getFactory();
    double ms = now_ms() - t0;
    int classes = factory ? factory->countClasses() : -1;
    double peak = 0;
    uint32_t refs = 99;
    if (factory && classes > 0) {
        IPluginFactory* first = g_factory;
        g_factory = factory;
        Instance inst;
        if (inst.create() && inst.start(48000, 480, 2)) {   // offline: this bundle's copy of the plugin loads its own model
            std::vector<float> L(480), R(480);
            EventList ev;
            ev.events.push_back(note(true, 0, 69, 1.0f));
            for (int b = 0; b < 10; b++) {
                inst.process(L.data(), R.data(), 480, b == 0 ? &ev : nullptr, nullptr);
                for (float v : L) peak = std::max(peak, (double)std::fabs(v));
            }
        }
        refs = inst.stop_and_release();
        g_factory = first;
    }
    uint32_t factoryLeft = factory ? factory->release() : 99;
    exitFn();
    dlclose(lib);
    char buf[256];
    std::snprintf(buf, sizeof buf, "{\"factory_ms\":%.2f,\"classes\":%d,\"peak\":%.6g,\"refs_left\":%u,\"factory_refs_left\":%u}",
                  ms, classes, peak, refs, factoryLeft);
    return buf;
}

int main(int argc, char** argv) {
    if (argc < 3) { std::fprintf(stderr, "usage: nshost BUNDLE.vst3 OUTDIR [SECOND_BUNDLE.vst3]\n"); return 2; }
    std::string bundle = argv[1], outdir = argv[2];
    std::string so = so_path(bundle);

    long rssStart = rss_kb();
    double t0 = now_ms();
    void* lib = dlopen(so.c_str(), RTLD_LAZY | RTLD_LOCAL);
    if (!lib) { std::printf("{\"error\":\"dlopen: %s\"}\n", json_escape(dlerror()).c_str()); return 1; }
    auto entry = (ModuleEntryFn)dlsym(lib, "ModuleEntry");
    auto exitFn = (ModuleExitFn)dlsym(lib, "ModuleExit");
    auto getFactory = (GetFactoryFn)dlsym(lib, "GetPluginFactory");
    if (!entry || !exitFn || !getFactory) { std::printf("{\"error\":\"missing entry points\"}\n"); return 1; }
    if (!entry(lib)) { std::printf("{\"error\":\"ModuleEntry returned false\"}\n"); return 1; }
    g_factory = getFactory();
    double factoryMs = now_ms() - t0;
    if (!g_factory) { std::printf("{\"error\":\"no factory\"}\n"); return 1; }

    std::string classes = "[";
    int n = g_factory->countClasses();
    bool haveProcessor = false;
    for (int i = 0; i < n; i++) {
        PClassInfo ci{};
        g_factory->getClassInfo(i, &ci);
        if (!haveProcessor && std::strcmp(ci.category, "Audio Module Class") == 0) { std::memcpy(g_processorCid, ci.cid, 16); haveProcessor = true; }
        classes += (i ? "," : "") + std::string("{\"cid\":\"") + hex(ci.cid, 16) + "\",\"category\":\"" + json_escape(ci.category) +
                   "\",\"name\":\"" + json_escape(ci.name) + "\",\"cardinality\":" + std::to_string(ci.cardinality) + "}";
    }
    classes += "]";
    if (!haveProcessor) {
        // Still a clean unload: the empty factory a failed module returns must survive release + ModuleExit.
        uint32_t left = g_factory->release();
        bool exited = exitFn();
        int closed = dlclose(lib);
        std::printf("{\"factory_ms\":%.2f,\"classes\":%s,\"error\":\"no processor class\",\"factory_refs_left\":%u,\"module_exit\":%s,\"dlclose\":%d}\n",
                    factoryMs, classes.c_str(), left, exited ? "true" : "false", closed);
        return 0;
    }

    double ready44 = 0, ready48 = 0, ready48rt = 0, readyCold = 0;
    std::string cold = first_sound(&readyCold);
    double firstSoundMs = now_ms() - t0;      // dlopen -> the first note heard in realtime (model load included)
    std::string s44 = play_scale(44100, outdir, &ready44, 2);
    std::string s48 = play_scale(48000, outdir, &ready48, 2);
    std::string s48rt = play_scale(48000, outdir, &ready48rt, 0, false);   // the same notes, now cached, in realtime
    std::string idle = idle_check();
    std::string state = state_check();
    std::string params = params_check();
    std::string preset = preset_check(std::getenv("NSHOST_VSTPRESET"));
    std::string warm = warm_keyboard();
    std::string inst = instances_check(20, 6);
    std::string second = argc > 3 ? second_bundle(argv[3]) : "null";
    long rssEnd = rss_kb();

    uint32_t factoryLeft = g_factory->release();
    bool exited = exitFn();
    int closed = dlclose(lib);
    std::printf("{\"factory_ms\":%.2f,\"first_instance_ready_ms\":%.2f,\"dlopen_to_first_sound_ms\":%.2f,\"cold_start\":%s,\"keyboard\":%s,\"vstpreset\":%s,\"classes\":%s,"
                "\"scales\":[%s,%s,%s],\"idle\":%s,\"state\":%s,%s,\"instances\":%s,\"rss_kb_start\":%ld,\"rss_kb_end\":%ld,"
                "\"second_bundle\":%s,\"factory_refs_left\":%u,\"module_exit\":%s,\"dlclose\":%d}\n",
                factoryMs, factoryMs + readyCold, firstSoundMs, cold.c_str(), warm.c_str(), preset.c_str(), classes.c_str(), s44.c_str(), s48.c_str(), s48rt.c_str(), idle.c_str(), state.c_str(),
                params.substr(1, params.size() - 2).c_str(), inst.c_str(), rssStart, rssEnd, second.c_str(), factoryLeft, exited ? "true" : "false", closed);
    return 0;
}
