// The slice of the VST3 binary interface our test host needs, written from the fact sheet
// (/work/shared/VST3-ABI.md): abstract structs whose virtual functions, in declaration order, give the
// vtable slots g++ lays out (no virtual destructors, which would add slots). Not the SDK.
#pragma once
#include <cstdint>

namespace vst {
typedef int32_t tresult;
enum : tresult { kResultOk = 0, kResultFalse = 1, kNoInterface = -1, kInvalidArgument = 2, kNotImplemented = 3, kInternalError = 4 };
typedef uint8_t TUID[16];

// IIDs: in-memory bytes on Linux (each 32-bit word big-endian).
static const TUID IID_FUnknown = {0,0,0,0,0,0,0,0,0xC0,0,0,0,0,0,0,0x46};
static const TUID IID_IPluginFactory = {0x7A,0x4D,0x81,0x1C,0x52,0x11,0x4A,0x1F,0xAE,0xD9,0xD2,0xEE,0x0B,0x43,0xBF,0x9F};
static const TUID IID_IComponent = {0xE8,0x31,0xFF,0x31,0xF2,0xD5,0x43,0x01,0x92,0x8E,0xBB,0xEE,0x25,0x69,0x78,0x02};
static const TUID IID_IAudioProcessor = {0x42,0x04,0x3F,0x99,0xB7,0xDA,0x45,0x3C,0xA5,0x69,0xE7,0x9D,0x9A,0xAE,0xC3,0x3D};
static const TUID IID_IEditController = {0xDC,0xD7,0xBB,0xE3,0x77,0x42,0x44,0x8D,0xA8,0x74,0xAA,0xCC,0x97,0x9C,0x75,0x9E};
static const TUID IID_IConnectionPoint = {0x70,0xA4,0x15,0x6F,0x6E,0x6E,0x40,0x26,0x98,0x91,0x48,0xBF,0xAA,0x60,0xD8,0xD1};
static const TUID IID_IMidiMapping = {0xDF,0x0F,0xF9,0xF7,0x49,0xB7,0x46,0x69,0xB6,0x3A,0xB7,0x32,0x7A,0xDB,0xF5,0xE5};
static const TUID IID_IBStream = {0xC3,0xBF,0x6E,0xA2,0x30,0x99,0x47,0x52,0x9B,0x6B,0xF9,0x90,0x1E,0xE3,0x3E,0x9B};
static const TUID IID_IEventList = {0x3A,0x2C,0x42,0x14,0x34,0x63,0x49,0xFE,0xB2,0xC4,0xF3,0x97,0xB9,0x69,0x5A,0x44};
static const TUID IID_IParameterChanges = {0xA4,0x77,0x96,0x63,0x0B,0xB6,0x4A,0x56,0xB4,0x43,0x84,0xA8,0x46,0x6F,0xEB,0x9D};
static const TUID IID_IParamValueQueue = {0x01,0x26,0x3A,0x18,0xED,0x07,0x4F,0x6F,0x98,0xC9,0xD3,0x56,0x46,0x86,0xF9,0xBA};
static const TUID IID_IHostApplication = {0x58,0xE5,0x95,0xCC,0xDB,0x2D,0x49,0x69,0x8B,0x6A,0xAF,0x8C,0x36,0xA6,0x64,0xE5};

struct PFactoryInfo { char vendor[64]; char url[256]; char email[128]; int32_t flags; };
struct PClassInfo { uint8_t cid[16]; int32_t cardinality; char category[32]; char name[64]; };
struct ProcessSetup { int32_t processMode; int32_t symbolicSampleSize; int32_t maxSamplesPerBlock; double sampleRate; };
struct AudioBusBuffers { int32_t numChannels; uint64_t silenceFlags; void** channelBuffers; };
struct ParameterInfo { uint32_t id; char16_t title[128]; char16_t shortTitle[128]; char16_t units[128]; int32_t stepCount;
                       double defaultNormalizedValue; int32_t unitId; int32_t flags; };
struct NoteOnEvent { int16_t channel; int16_t pitch; float tuning; float velocity; int32_t length; int32_t noteId; };
struct NoteOffEvent { int16_t channel; int16_t pitch; float velocity; int32_t noteId; float tuning; };
struct Event {
    int32_t busIndex; int32_t sampleOffset; double ppqPosition; uint16_t flags; uint16_t type;
    union { NoteOnEvent noteOn; NoteOffEvent noteOff; uint8_t raw[24]; void* align_; };
};
enum : uint16_t { kNoteOnEvent = 0, kNoteOffEvent = 1 };

struct FUnknown {
    virtual tresult queryInterface(const uint8_t* iid, void** obj) = 0;
    virtual uint32_t addRef() = 0;
    virtual uint32_t release() = 0;
};
struct IBStream : FUnknown {
    virtual tresult read(void* buffer, int32_t n, int32_t* nRead) = 0;
    virtual tresult write(void* buffer, int32_t n, int32_t* nWritten) = 0;
    virtual tresult seek(int64_t pos, int32_t mode, int64_t* result) = 0;
    virtual tresult tell(int64_t* pos) = 0;
};
struct IParamValueQueue : FUnknown {
    virtual uint32_t getParameterId() = 0;
    virtual int32_t getPointCount() = 0;
    virtual tresult getPoint(int32_t index, int32_t* sampleOffset, double* value) = 0;
    virtual tresult addPoint(int32_t sampleOffset, double value, int32_t* index) = 0;
};
struct IParameterChanges : FUnknown {
    virtual int32_t getParameterCount() = 0;
    virtual IParamValueQueue* getParameterData(int32_t index) = 0;
    virtual IParamValueQueue* addParameterData(const uint32_t* id, int32_t* index) = 0;
};
struct IEventList : FUnknown {
    virtual int32_t getEventCount() = 0;
    virtual tresult getEvent(int32_t index, Event* e) = 0;
    virtual tresult addEvent(Event* e) = 0;
};
struct ProcessData {
    int32_t processMode; int32_t symbolicSampleSize; int32_t numSamples; int32_t numInputs; int32_t numOutputs;
    AudioBusBuffers* inputs; AudioBusBuffers* outputs;
    IParameterChanges* inputParameterChanges; IParameterChanges* outputParameterChanges;
    IEventList* inputEvents; IEventList* outputEvents; void* processContext;
};
struct IPluginFactory : FUnknown {
    virtual tresult getFactoryInfo(PFactoryInfo* info) = 0;
    virtual int32_t countClasses() = 0;
    virtual tresult getClassInfo(int32_t index, PClassInfo* info) = 0;
    virtual tresult createInstance(const char* cid, const char* iid, void** obj) = 0;
};
struct IPluginBase : FUnknown {
    virtual tresult initialize(FUnknown* context) = 0;
    virtual tresult terminate() = 0;
};
struct IComponent : IPluginBase {
    virtual tresult getControllerClassId(uint8_t* classId) = 0;
    virtual tresult setIoMode(int32_t mode) = 0;
    virtual int32_t getBusCount(int32_t type, int32_t dir) = 0;
    virtual tresult getBusInfo(int32_t type, int32_t dir, int32_t index, void* info) = 0;
    virtual tresult getRoutingInfo(void* in, void* out) = 0;
    virtual tresult activateBus(int32_t type, int32_t dir, int32_t index, uint8_t state) = 0;
    virtual tresult setActive(uint8_t state) = 0;
    virtual tresult setState(IBStream* state) = 0;
    virtual tresult getState(IBStream* state) = 0;
};
struct IAudioProcessor : FUnknown {
    virtual tresult setBusArrangements(uint64_t* ins, int32_t numIns, uint64_t* outs, int32_t numOuts) = 0;
    virtual tresult getBusArrangement(int32_t dir, int32_t index, uint64_t* arr) = 0;
    virtual tresult canProcessSampleSize(int32_t size) = 0;
    virtual uint32_t getLatencySamples() = 0;
    virtual tresult setupProcessing(ProcessSetup* setup) = 0;
    virtual tresult setProcessing(uint8_t state) = 0;
    virtual tresult process(ProcessData* data) = 0;
    virtual uint32_t getTailSamples() = 0;
};
struct IEditController : IPluginBase {
    virtual tresult setComponentState(IBStream* state) = 0;
    virtual tresult setState(IBStream* state) = 0;
    virtual tresult getState(IBStream* state) = 0;
    virtual int32_t getParameterCount() = 0;
    virtual tresult getParameterInfo(int32_t index, ParameterInfo* info) = 0;
    virtual tresult getParamStringByValue(uint32_t id, double normalized, char16_t* string) = 0;
    virtual tresult getParamValueByString(uint32_t id, char16_t* string, double* normalized) = 0;
    virtual double normalizedParamToPlain(uint32_t id, double normalized) = 0;
    virtual double plainParamToNormalized(uint32_t id, double plain) = 0;
    virtual double getParamNormalized(uint32_t id) = 0;
    virtual tresult setParamNormalized(uint32_t id, double value) = 0;
    virtual tresult setComponentHandler(FUnknown* handler) = 0;
    virtual void* createView(const char* name) = 0;
};
struct IConnectionPoint : FUnknown {
    virtual tresult connect(IConnectionPoint* other) = 0;
    virtual tresult disconnect(IConnectionPoint* other) = 0;
    virtual tresult notify(FUnknown* message) = 0;
};
struct IMidiMapping : FUnknown {
    virtual tresult getMidiControllerAssignment(int32_t busIndex, int16_t channel, int16_t cc, uint32_t* id) = 0;
};
struct IHostApplication : FUnknown {
    virtual tresult getName(char16_t* name) = 0;
    virtual tresult createInstance(uint8_t* cid, uint8_t* iid, void** obj) = 0;
};
} // namespace vst
