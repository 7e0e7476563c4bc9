using NeuralSynth.Plugin.Vst3;

namespace NeuralSynth.Plugin;

/// <summary>IPluginFactory/2/3: two classes, the processor (index 0) and its controller (index 1).</summary>
public sealed unsafe class PluginFactory : ComObject, IPluginFactoryImpl
{
    public PluginFactory() : base(PluginFactoryInterface.Interface) { }

    protected override void OnFinalRelease() => ModuleExports.FactoryReleased(this);

    public int GetFactoryInfo(PFactoryInfo* info)
    {
        if (info == null) return Tresult.InvalidArgument;
        *info = default;
        FixedString.WriteUtf8(info->Vendor, 64, PluginInfo.Vendor);
        FixedString.WriteUtf8(info->Url, 256, PluginInfo.Url);
        FixedString.WriteUtf8(info->Email, 128, PluginInfo.Email);
        info->Flags = PFactoryInfo.FlagUnicode;
        return Tresult.Ok;
    }

    public int CountClasses() => 2;

    static bool Describe(int index, out ReadOnlySpan<byte> cid, out string category, out string name, out string subCategories)
    {
        subCategories = "";
        switch (index)
        {
            case 0: cid = PluginInfo.ProcessorCid; category = PluginInfo.ProcessorCategory; name = PluginInfo.Name; subCategories = PluginInfo.SubCategories; return true;
            case 1: cid = PluginInfo.ControllerCid; category = PluginInfo.ControllerCategory; name = PluginInfo.Name + " Controller"; return true;
            default: cid = default; category = name = ""; return false;
        }
    }

    public int GetClassInfo(int index, PClassInfo* info)
    {
        if (info == null || !Describe(index, out var cid, out var category, out var name, out _)) return Tresult.InvalidArgument;
        *info = default;
        cid.CopyTo(new Span<byte>(info->Cid, 16));
        info->Cardinality = PClassInfo.ManyInstances;
        FixedString.WriteUtf8(info->Category, 32, category);
        FixedString.WriteUtf8(info->Name, 64, name);
        return Tresult.Ok;
    }

    public int GetClassInfo2(int index, PClassInfo2* info)
    {
        if (info == null || !Describe(index, out var cid, out var category, out var name, out var sub)) return Tresult.InvalidArgument;
        *info = default;
        cid.CopyTo(new Span<byte>(info->Cid, 16));
        info->Cardinality = PClassInfo.ManyInstances;
        FixedString.WriteUtf8(info->Category, 32, category);
        FixedString.WriteUtf8(info->Name, 64, name);
        info->ClassFlags = index == 0 ? PluginInfo.ClassFlagDistributable : 0;
        FixedString.WriteUtf8(info->SubCategories, 128, sub);
        FixedString.WriteUtf8(info->Vendor, 64, PluginInfo.Vendor);
        FixedString.WriteUtf8(info->Version, 64, PluginInfo.Version);
        FixedString.WriteUtf8(info->SdkVersion, 64, PluginInfo.SdkVersion);
        return Tresult.Ok;
    }

    public int GetClassInfoUnicode(int index, PClassInfoW* info)
    {
        if (info == null || !Describe(index, out var cid, out var category, out var name, out var sub)) return Tresult.InvalidArgument;
        *info = default;
        cid.CopyTo(new Span<byte>(info->Cid, 16));
        info->Cardinality = PClassInfo.ManyInstances;
        FixedString.WriteUtf8(info->Category, 32, category);
        FixedString.WriteUtf16(info->Name, 64, name);
        info->ClassFlags = index == 0 ? PluginInfo.ClassFlagDistributable : 0;
        FixedString.WriteUtf8(info->SubCategories, 128, sub);
        FixedString.WriteUtf16(info->Vendor, 64, PluginInfo.Vendor);
        FixedString.WriteUtf16(info->Version, 64, PluginInfo.Version);
        FixedString.WriteUtf16(info->SdkVersion, 64, PluginInfo.SdkVersion);
        return Tresult.Ok;
    }

    public int CreateInstance(byte* cid, byte* iid, nint* obj)
    {
        if (obj == null || cid == null || iid == null) return Tresult.InvalidArgument;
        *obj = 0;
        ComObject instance;
        if (Iids.Equals(cid, PluginInfo.ProcessorCid)) instance = new NeuralSynthProcessor();
        else if (Iids.Equals(cid, PluginInfo.ControllerCid)) instance = new NeuralSynthController();
        else return Tresult.NoInterface;
        int r = instance.QueryInterface(iid, obj);
        instance.Release();   // drop the creator's reference: the caller now holds the only one (or none)
        return r;
    }

    // The validator passes an object with only IRunLoop; we have no editor, so nothing to keep.
    public int SetHostContext(nint context) => Tresult.Ok;
}
