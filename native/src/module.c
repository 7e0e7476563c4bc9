/*
 * NeuralSynth VST3 module for Linux.
 *
 * A host dlopens NeuralSynth.vst3/Contents/x86_64-linux/NeuralSynth.so and calls ModuleEntry, then
 * GetPluginFactory. We find our bundle with dladdr, start (or join) the .NET runtime through hostfxr with
 * Contents/Resources/NeuralSynth.Plugin.runtimeconfig.json, and ask the managed plugin for its
 * IPluginFactory. Everything VST3 beyond that pointer lives in C# (plugin/NeuralSynth.Plugin).
 *
 * Failure never crashes the host: we print one line on stderr and return a factory with no classes.
 * Several bundles/instances in one process share one runtime: hostfxr answers 1 (already initialized) or
 * 2 (initialized with other properties) to the second caller, both of which are success.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <coreclr_delegates.h>
#include <hostfxr.h>
#include <nethost.h>

#define EXPORT __attribute__((visibility("default")))
#define MANAGED_TYPE "NeuralSynth.Plugin.ModuleExports, NeuralSynth.Plugin"
#define ASSEMBLY_NAME "NeuralSynth.Plugin"

typedef void *(*get_factory_fn)(void);
typedef int32_t (*module_exit_fn)(void);

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static get_factory_fn g_get_factory;   /* managed GetPluginFactory, once loaded */
static module_exit_fn g_module_exit;   /* managed ModuleExit */
static bool g_failed;                  /* remember a failure: report it once, don't retry on every call */
static int g_entries;                  /* ModuleEntry calls not yet matched by ModuleExit (as the SDK counts) */
static char g_hostfxr_message[512];    /* first message hostfxr wrote, folded into our one stderr line */

/* ---------- the empty factory (returned when .NET cannot be started) ---------- */

typedef struct { void **vtbl; } empty_factory;
static const uint8_t IID_FUnknown[16] = {0,0,0,0,0,0,0,0,0xC0,0,0,0,0,0,0,0x46};
static const uint8_t IID_IPluginFactory[16] = {0x7A,0x4D,0x81,0x1C,0x52,0x11,0x4A,0x1F,0xAE,0xD9,0xD2,0xEE,0x0B,0x43,0xBF,0x9F};

static int32_t ef_query_interface(void *self, const uint8_t *iid, void **obj)
{
    if (!obj) return 2; /* kInvalidArgument */
    if (iid && (!memcmp(iid, IID_FUnknown, 16) || !memcmp(iid, IID_IPluginFactory, 16))) { *obj = self; return 0; }
    *obj = NULL;
    return -1; /* kNoInterface */
}
static uint32_t ef_add_ref(void *self) { (void)self; return 1; }   /* static object: counting is pointless */
static uint32_t ef_release(void *self) { (void)self; return 1; }
static int32_t ef_get_factory_info(void *self, char *info)
{
    (void)self;
    if (!info) return 2;
    memset(info, 0, 452);                       /* PFactoryInfo: vendor[64] url[256] email[128] flags */
    strcpy(info, "NeuralSynth (failed to load)");
    int32_t flags = 0x10;                       /* kUnicode */
    memcpy(info + 448, &flags, 4);
    return 0;
}
static int32_t ef_count_classes(void *self) { (void)self; return 0; }
static int32_t ef_get_class_info(void *self, int32_t index, void *info) { (void)self; (void)index; (void)info; return 2; }
static int32_t ef_create_instance(void *self, const char *cid, const char *iid, void **obj)
{
    (void)self; (void)cid; (void)iid;
    if (obj) *obj = NULL;
    return -1;
}
static void *g_empty_vtbl[] = { (void *)ef_query_interface, (void *)ef_add_ref, (void *)ef_release,
    (void *)ef_get_factory_info, (void *)ef_count_classes, (void *)ef_get_class_info, (void *)ef_create_instance };
static empty_factory g_empty_factory = { g_empty_vtbl };

/* ---------- starting .NET ---------- */

static void HOSTFXR_CALLTYPE capture_error(const char_t *message)
{
    if (g_hostfxr_message[0] || !message) return;
    snprintf(g_hostfxr_message, sizeof g_hostfxr_message, "%s", message);
    for (char *p = g_hostfxr_message; *p; p++) if (*p == '\n' || *p == '\r') *p = ' ';
}

static void fail(const char *what, int code)
{
    g_failed = true;
    if (code)
        fprintf(stderr, "NeuralSynth.vst3: %s (code 0x%08x)%s%s\n", what, (unsigned)code,
                g_hostfxr_message[0] ? ": " : "", g_hostfxr_message);
    else
        fprintf(stderr, "NeuralSynth.vst3: %s\n", what);
    fflush(stderr);
}

/* Contents/Resources of the bundle that holds this .so: <bundle>/Contents/x86_64-linux/NeuralSynth.so */
static bool find_resources(char *out, size_t size)
{
    Dl_info info;
    char real[PATH_MAX];
    if (!dladdr((void *)&find_resources, &info) || !info.dli_fname || !realpath(info.dli_fname, real)) return false;
    char *slash = strrchr(real, '/');           /* strip NeuralSynth.so */
    if (!slash) return false;
    *slash = 0;
    slash = strrchr(real, '/');                 /* strip x86_64-linux */
    if (!slash) return false;
    *slash = 0;
    return snprintf(out, size, "%s/Resources", real) < (int)size;
}

static bool file_exists(const char *path) { FILE *f = fopen(path, "rb"); if (f) fclose(f); return f != NULL; }

static void load_managed(void)
{
    char resources[PATH_MAX], config[PATH_MAX + 64], assembly[PATH_MAX + 64], hostfxr_path[PATH_MAX];
    if (!find_resources(resources, sizeof resources)) { fail("cannot locate the bundle's Contents/Resources folder", 0); return; }
    snprintf(config, sizeof config, "%s/" ASSEMBLY_NAME ".runtimeconfig.json", resources);
    snprintf(assembly, sizeof assembly, "%s/" ASSEMBLY_NAME ".dll", resources);
    if (!file_exists(config) || !file_exists(assembly)) {
        char msg[PATH_MAX + 128];
        snprintf(msg, sizeof msg, "managed plugin missing: %s", file_exists(config) ? assembly : config);
        fail(msg, 0);
        return;
    }

    size_t len = sizeof hostfxr_path;
    struct get_hostfxr_parameters params = { sizeof params, assembly, NULL };
    int rc = get_hostfxr_path(hostfxr_path, &len, &params);
    if (rc != 0) { fail("the .NET runtime was not found (install .NET 10 or set DOTNET_ROOT)", rc); return; }

    void *lib = dlopen(hostfxr_path, RTLD_NOW | RTLD_LOCAL);
    if (!lib) { fail("cannot load hostfxr", 0); return; }
    hostfxr_set_error_writer_fn set_writer = (hostfxr_set_error_writer_fn)dlsym(lib, "hostfxr_set_error_writer");
    hostfxr_initialize_for_runtime_config_fn init =
        (hostfxr_initialize_for_runtime_config_fn)dlsym(lib, "hostfxr_initialize_for_runtime_config");
    hostfxr_get_runtime_delegate_fn get_delegate = (hostfxr_get_runtime_delegate_fn)dlsym(lib, "hostfxr_get_runtime_delegate");
    hostfxr_close_fn close_fn = (hostfxr_close_fn)dlsym(lib, "hostfxr_close");
    if (!init || !get_delegate || !close_fn) { fail("hostfxr lacks the hosting API (need .NET 5 or later)", 0); return; }

    g_hostfxr_message[0] = 0;
    hostfxr_error_writer_fn previous = set_writer ? set_writer(capture_error) : NULL;
    hostfxr_handle ctx = NULL;
    rc = init(config, NULL, &ctx);
    /* 0 = started, 1 = already running (another instance or bundle), 2 = running with other properties */
    if ((rc != 0 && rc != 1 && rc != 2) || !ctx) {
        if (ctx) close_fn(ctx);
        if (set_writer) set_writer(previous);
        fail("cannot start the .NET runtime for Contents/Resources/" ASSEMBLY_NAME ".runtimeconfig.json", rc);
        return;
    }
    load_assembly_and_get_function_pointer_fn load = NULL;
    rc = get_delegate(ctx, hdt_load_assembly_and_get_function_pointer, (void **)&load);
    close_fn(ctx);
    if (rc != 0 || !load) {
        if (set_writer) set_writer(previous);
        fail("cannot get the .NET assembly loader", rc);
        return;
    }
    get_factory_fn factory = NULL;
    module_exit_fn module_exit = NULL;
    rc = load(assembly, MANAGED_TYPE, "GetPluginFactory", UNMANAGEDCALLERSONLY_METHOD, NULL, (void **)&factory);
    if (rc == 0) rc = load(assembly, MANAGED_TYPE, "ModuleExit", UNMANAGEDCALLERSONLY_METHOD, NULL, (void **)&module_exit);
    if (set_writer) set_writer(previous);       /* our writer must not outlive a possible unload */
    if (rc != 0 || !factory) { fail("cannot load " ASSEMBLY_NAME ".dll from Contents/Resources", rc); return; }
    g_get_factory = factory;
    g_module_exit = module_exit;
}

/* ---------- the VST3 module entry points ---------- */

EXPORT bool ModuleEntry(void *shared_library_handle)
{
    (void)shared_library_handle;
    pthread_mutex_lock(&g_lock);
    g_entries++;
    pthread_mutex_unlock(&g_lock);
    return true;
}

EXPORT bool ModuleExit(void)
{
    pthread_mutex_lock(&g_lock);
    if (g_entries > 0) g_entries--;
    module_exit_fn exit_fn = g_entries == 0 ? g_module_exit : NULL;
    pthread_mutex_unlock(&g_lock);
    if (exit_fn) exit_fn();                     /* last exit: managed statics survive the runtime, reset them */
    return true;
}

EXPORT void *GetPluginFactory(void)
{
    pthread_mutex_lock(&g_lock);
    if (!g_get_factory && !g_failed) load_managed();
    get_factory_fn get = g_get_factory;
    pthread_mutex_unlock(&g_lock);
    void *factory = get ? get() : NULL;
    if (!factory) {
        if (get) fprintf(stderr, "NeuralSynth.vst3: the managed plugin returned no factory\n");
        return &g_empty_factory;
    }
    return factory;
}
