namespace NeuralSynth.Models.Dataset;

/// General MIDI program -> NSynth labels (instrument family and source).
public static class GeneralMidi
{
    static readonly string[] Names =
    {
        "acoustic_grand_piano","bright_acoustic_piano","electric_grand_piano","honky_tonk_piano","electric_piano_1","electric_piano_2","harpsichord","clavinet",
        "celesta","glockenspiel","music_box","vibraphone","marimba","xylophone","tubular_bells","dulcimer",
        "drawbar_organ","percussive_organ","rock_organ","church_organ","reed_organ","accordion","harmonica","tango_accordion",
        "nylon_guitar","steel_guitar","jazz_guitar","clean_guitar","muted_guitar","overdriven_guitar","distortion_guitar","guitar_harmonics",
        "acoustic_bass","fingered_bass","picked_bass","fretless_bass","slap_bass_1","slap_bass_2","synth_bass_1","synth_bass_2",
        "violin","viola","cello","contrabass","tremolo_strings","pizzicato_strings","orchestral_harp","timpani",
        "string_ensemble_1","string_ensemble_2","synth_strings_1","synth_strings_2","choir_aahs","voice_oohs","synth_voice","orchestra_hit",
        "trumpet","trombone","tuba","muted_trumpet","french_horn","brass_section","synth_brass_1","synth_brass_2",
        "soprano_sax","alto_sax","tenor_sax","baritone_sax","oboe","english_horn","bassoon","clarinet",
        "piccolo","flute","recorder","pan_flute","blown_bottle","shakuhachi","whistle","ocarina",
        "square_lead","saw_lead","calliope_lead","chiff_lead","charang_lead","voice_lead","fifths_lead","bass_lead",
        "new_age_pad","warm_pad","polysynth_pad","choir_pad","bowed_pad","metallic_pad","halo_pad","sweep_pad",
        "rain_fx","soundtrack_fx","crystal_fx","atmosphere_fx","brightness_fx","goblins_fx","echoes_fx","scifi_fx",
        "sitar","banjo","shamisen","koto","kalimba","bagpipe","fiddle","shanai",
        "tinkle_bell","agogo","steel_drums","woodblock","taiko_drum","melodic_tom","synth_drum","reverse_cymbal",
        "guitar_fret_noise","breath_noise","seashore","bird_tweet","telephone_ring","helicopter","applause","gunshot",
    };

    /// NSynth's family ids: bass 0, brass 1, flute 2, guitar 3, keyboard 4, mallet 5, organ 6, reed 7, string 8, synth_lead 9, vocal 10.
    public static readonly string[] Families = { "bass", "brass", "flute", "guitar", "keyboard", "mallet", "organ", "reed", "string", "synth_lead", "vocal" };
    public static readonly string[] Sources = { "acoustic", "electronic", "synthetic" };

    /// The acoustic programs the default model is trained on: up to four per acoustic family, so that
    /// holding instruments out for test and valid still leaves every family something to train on.
    public static readonly int[] AcousticDefault = { 0, 1, 6, 11, 12, 19, 24, 25, 32, 40, 41, 42, 48, 56, 57, 60, 65, 68, 71, 73, 74 };

    public static string Name(int program) => Names[Check(program)];

    public static string Family(int program) => Check(program) switch
    {
        <= 7 => "keyboard", <= 15 => "mallet", <= 23 => "organ", <= 31 => "guitar", <= 39 => "bass",
        <= 51 => "string", <= 55 => "vocal", <= 63 => "brass", <= 71 => "reed", <= 79 => "flute",
        <= 103 => "synth_lead", <= 111 => "string", <= 119 => "mallet", _ => "synth_lead",
    };

    public static string Source(int program) => Check(program) switch
    {
        4 or 5 or 2 or 16 or 17 or 18 or (>= 26 and <= 31) or (>= 33 and <= 37) => "electronic",
        38 or 39 or 50 or 51 or 54 or 62 or 63 or (>= 80 and <= 103) or 118 => "synthetic",
        _ => "acoustic",
    };

    static int Check(int program) =>
        program is >= 0 and <= 127 ? program : throw new ArgumentOutOfRangeException(nameof(program), $"GM program {program} is outside 0-127");
}
