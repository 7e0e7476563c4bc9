using NeuralSynth.Plugin.Vst3;

namespace NeuralSynth.Plugin.Tests;

/// <summary>Our binding called in-process through the same native vtables a host uses.</summary>
public unsafe class BindingTests
{
    static nint Slot(nint obj, int i) => (*(nint**)obj)[i];

    static int QI(nint obj, ReadOnlySpan<byte> iid, out nint result)
    {
        nint r = 0;
        int rc;
        fixed (byte* id = iid) rc = ((delegate* unmanaged<nint, byte*, nint*, int>)Slot(obj, 0))(obj, id, &r);
        result = r;
        return rc;
    }

    static uint AddRef(nint obj) => ((delegate* unmanaged<nint, uint>)Slot(obj, 1))(obj);
    static uint Release(nint obj) => ((delegate* unmanaged<nint, uint>)Slot(obj, 2))(obj);

    static nint Create(nint factory, ReadOnlySpan<byte> cid, ReadOnlySpan<byte> iid, out int rc)
    {
        nint obj = 0;
        fixed (byte* c = cid) fixed (byte* i = iid)
            rc = ((delegate* unmanaged<nint, byte*, byte*, nint*, int>)Slot(factory, 6))(factory, c, i, &obj);
        return obj;
    }

    [Fact]
    public void Factory_AnswersFUnknownAndAllThreeFactoryIids_WithOnePointer()
    {
        nint f = ModuleExports.AcquireFactory();
        try
        {
            foreach (var iid in new[] { Iids.FUnknown.ToArray(), Iids.IPluginFactory.ToArray(), Iids.IPluginFactory2.ToArray(), Iids.IPluginFactory3.ToArray() })
            {
                Assert.Equal(Tresult.Ok, QI(f, iid, out nint p));
                Assert.Equal(f, p);
                Release(p);
            }
            Assert.Equal(Tresult.NoInterface, QI(f, Iids.IComponent, out nint none));
            Assert.Equal(0, none);
            Assert.Equal(2, ((delegate* unmanaged<nint, int>)Slot(f, 4))(f));
        }
        finally { Release(f); }
    }

    [Fact]
    public void Factory_ClassInfo_DescribesAnInstrumentAndItsController()
    {
        nint f = ModuleExports.AcquireFactory();
        try
        {
            PClassInfo2 info2;
            Assert.Equal(Tresult.Ok, ((delegate* unmanaged<nint, int, PClassInfo2*, int>)Slot(f, 7))(f, 0, &info2));
            Assert.Equal("Audio Module Class", new string((sbyte*)info2.Category));
            Assert.Equal("Instrument|Synth", new string((sbyte*)info2.SubCategories));
            Assert.Equal("VST 3.7.14", new string((sbyte*)info2.SdkVersion));
            Assert.Equal(PluginInfo.ProcessorCid.ToArray(), new ReadOnlySpan<byte>(info2.Cid, 16).ToArray());
            PClassInfoW infoW;
            Assert.Equal(Tresult.Ok, ((delegate* unmanaged<nint, int, PClassInfoW*, int>)Slot(f, 8))(f, 1, &infoW));
            Assert.Equal("NeuralSynth Controller", FixedString.ReadUtf16(infoW.Name, 64));
            Assert.Equal(Tresult.InvalidArgument, ((delegate* unmanaged<nint, int, PClassInfoW*, int>)Slot(f, 8))(f, 2, &infoW));
        }
        finally { Release(f); }
    }

    [Fact]
    public void Processor_HasOneVtablePointerPerUnrelatedInterface_AndOneIdentity()
    {
        nint f = ModuleExports.AcquireFactory();
        nint comp = Create(f, PluginInfo.ProcessorCid, Iids.IComponent, out int rc);
        try
        {
            Assert.Equal(Tresult.Ok, rc);
            Assert.Equal(Tresult.Ok, QI(comp, Iids.IPluginBase, out nint pluginBase));
            Assert.Equal(comp, pluginBase);                                // IComponent extends IPluginBase: same vtable
            Assert.Equal(Tresult.Ok, QI(comp, Iids.IAudioProcessor, out nint proc));
            Assert.Equal(Tresult.Ok, QI(comp, Iids.IProcessContextRequirements, out nint req));
            Assert.Equal(Tresult.Ok, QI(comp, Iids.IConnectionPoint, out nint cp));
            Assert.Equal(4, new[] { comp, proc, req, cp }.Distinct().Count());
            Assert.Equal(Tresult.Ok, QI(proc, Iids.FUnknown, out nint identity));   // from a sub-pointer back to the identity
            Assert.Equal(comp, identity);
            Assert.Equal(Tresult.NoInterface, QI(proc, Iids.IEditController, out _));
            // canProcessSampleSize (slot 5) through the IAudioProcessor pointer reaches the same object
            Assert.Equal(Tresult.Ok, ((delegate* unmanaged<nint, int, int>)Slot(proc, 5))(proc, 1));
            Assert.Equal(Tresult.False, ((delegate* unmanaged<nint, int, int>)Slot(proc, 5))(proc, 7));
            foreach (var p in new[] { pluginBase, proc, req, cp, identity }) Release(p);
        }
        finally
        {
            Assert.Equal(0u, Release(comp));   // the creator's reference was the last one
            Release(f);
        }
    }

    [Fact]
    public void RefCount_IsAtomicAndCountsFromOne()
    {
        nint f = ModuleExports.AcquireFactory();
        nint ctrl = Create(f, PluginInfo.ControllerCid, Iids.IEditController, out int rc);
        Assert.Equal(Tresult.Ok, rc);
        Parallel.For(0, 10000, _ => AddRef(ctrl));
        Assert.Equal(10002u, AddRef(ctrl));
        Parallel.For(0, 10001, _ => Release(ctrl));
        Assert.Equal(1u, AddRef(ctrl) - 1);
        Assert.Equal(1u, Release(ctrl));
        Assert.Equal(0u, Release(ctrl));
        Release(f);
    }

    [Fact]
    public void CreateInstance_UnknownClassOrInterface_GivesNull()
    {
        nint f = ModuleExports.AcquireFactory();
        try
        {
            Assert.Equal(0, Create(f, "NotOurClassId!!!"u8, Iids.IComponent, out int rc));
            Assert.Equal(Tresult.NoInterface, rc);
            Assert.Equal(0, Create(f, PluginInfo.ProcessorCid, Iids.IEditController, out rc));
            Assert.Equal(Tresult.NoInterface, rc);
        }
        finally { Release(f); }
    }

    [Fact]
    public void Controller_MidiMapping_MapsPitchBendSustainAndModWheel()
    {
        nint f = ModuleExports.AcquireFactory();
        nint ctrl = Create(f, PluginInfo.ControllerCid, Iids.IMidiMapping, out int rc);
        try
        {
            Assert.Equal(Tresult.Ok, rc);
            var get = (delegate* unmanaged<nint, int, short, short, uint*, int>)Slot(ctrl, 3);
            uint id;
            Assert.Equal(Tresult.Ok, get(ctrl, 0, 0, 129, &id)); Assert.Equal(ParamIds.PitchBend, id);
            Assert.Equal(Tresult.Ok, get(ctrl, 0, 3, 64, &id)); Assert.Equal(ParamIds.Sustain, id);
            Assert.Equal(Tresult.Ok, get(ctrl, 0, 15, 1, &id)); Assert.Equal(ParamIds.ModWheel, id);
            Assert.Equal(Tresult.False, get(ctrl, 0, 0, 7, &id));
            Assert.Equal(Tresult.False, get(ctrl, 1, 0, 1, &id));
        }
        finally { Release(ctrl); Release(f); }
    }
}
