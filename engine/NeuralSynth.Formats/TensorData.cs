using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace NeuralSynth.Formats;

/// One tensor of a safetensors file: name, dtype as safetensors spells it ("F32", "F16", "BF16", "I64", ...),
/// shape (row-major, C order) and the raw little-endian bytes.
public sealed class TensorData
{
    /// Element size in bytes of each dtype we accept (the set of the reference implementation, minus sub-byte types).
    static readonly Dictionary<string, int> Sizes = new(StringComparer.Ordinal)
    {
        ["BOOL"] = 1, ["U8"] = 1, ["I8"] = 1, ["F8_E5M2"] = 1, ["F8_E4M3"] = 1,
        ["I16"] = 2, ["U16"] = 2, ["F16"] = 2, ["BF16"] = 2,
        ["I32"] = 4, ["U32"] = 4, ["F32"] = 4,
        ["I64"] = 8, ["U64"] = 8, ["F64"] = 8,
    };

    public string Name { get; }
    public string DType { get; }
    public long[] Shape { get; }
    public byte[] Data { get; }
    public long ElementCount { get; }

    /// Checks that dtype is known and that data holds exactly shape's element count times the element size.
    public TensorData(string name, string dtype, long[] shape, byte[] data)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(data);
        int size = DTypeSize(dtype);
        if (size == 0) throw new ArgumentException($"unknown dtype '{dtype}'", nameof(dtype));
        long count = CountElements(shape) ?? throw new ArgumentException($"tensor '{name}': invalid shape [{string.Join(", ", shape)}]", nameof(shape));
        if (count > long.MaxValue / size || count * size != data.Length)
            throw new ArgumentException($"tensor '{name}': shape [{string.Join(", ", shape)}] of {dtype} needs {count} x {size} bytes, data has {data.Length}", nameof(data));
        Name = name; DType = dtype; Shape = shape; Data = data; ElementCount = count;
    }

    /// Bytes per element of a dtype, 0 if unknown.
    public static int DTypeSize(string dtype) => dtype != null && Sizes.TryGetValue(dtype, out int s) ? s : 0;

    /// Product of the dimensions, or null if a dimension is negative or the product overflows.
    public static long? CountElements(ReadOnlySpan<long> shape)
    {
        long n = 1;
        foreach (long d in shape)
        {
            if (d < 0) return null;
            if (d != 0 && n > long.MaxValue / d) return null;
            n *= d;
        }
        return n;
    }

    /// Values as float for F32, F16, BF16 and F64 tensors.
    public float[] ToFloats()
    {
        var r = new float[ElementCount];
        var b = Data.AsSpan();
        switch (DType)
        {
            case "F32" when BitConverter.IsLittleEndian:
                MemoryMarshal.Cast<byte, float>(b).CopyTo(r); // weights are mostly F32: one block copy
                break;
            case "F32":
                for (int i = 0; i < r.Length; i++) r[i] = BinaryPrimitives.ReadSingleLittleEndian(b[(4 * i)..]);
                break;
            case "F16":
                for (int i = 0; i < r.Length; i++) r[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(b[(2 * i)..]);
                break;
            case "BF16":
                for (int i = 0; i < r.Length; i++) r[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(b[(2 * i)..]) << 16);
                break;
            case "F64":
                for (int i = 0; i < r.Length; i++) r[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(b[(8 * i)..]);
                break;
            default:
                throw new InvalidOperationException($"tensor '{Name}' is {DType}, not a float type (F32, F16, BF16, F64)");
        }
        return r;
    }

    /// Values as long for integer and BOOL tensors (U64 above long.MaxValue wraps).
    public long[] ToInt64s()
    {
        var r = new long[ElementCount];
        var b = Data.AsSpan();
        for (int i = 0; i < r.Length; i++)
            r[i] = DType switch
            {
                "BOOL" or "U8" => b[i],
                "I8" => (sbyte)b[i],
                "I16" => BinaryPrimitives.ReadInt16LittleEndian(b[(2 * i)..]),
                "U16" => BinaryPrimitives.ReadUInt16LittleEndian(b[(2 * i)..]),
                "I32" => BinaryPrimitives.ReadInt32LittleEndian(b[(4 * i)..]),
                "U32" => BinaryPrimitives.ReadUInt32LittleEndian(b[(4 * i)..]),
                "I64" or "U64" => BinaryPrimitives.ReadInt64LittleEndian(b[(8 * i)..]),
                _ => throw new InvalidOperationException($"tensor '{Name}' is {DType}, not an integer type"),
            };
        return r;
    }

    /// A tensor from float values, stored as F32, F16 or BF16 (round to nearest even).
    public static TensorData FromFloats(string name, ReadOnlySpan<float> values, long[] shape, string dtype = "F32")
    {
        int size = dtype switch { "F32" => 4, "F16" or "BF16" => 2, _ => throw new ArgumentException($"FromFloats writes F32, F16 or BF16, not '{dtype}'", nameof(dtype)) };
        var data = new byte[(long)values.Length * size];
        var b = data.AsSpan();
        if (dtype == "F32" && BitConverter.IsLittleEndian)
        {
            MemoryMarshal.AsBytes(values).CopyTo(b);
            return new TensorData(name, dtype, shape, data);
        }
        for (int i = 0; i < values.Length; i++)
        {
            float x = values[i];
            switch (dtype)
            {
                case "F32": BinaryPrimitives.WriteSingleLittleEndian(b[(4 * i)..], x); break;
                case "F16": BinaryPrimitives.WriteHalfLittleEndian(b[(2 * i)..], (Half)x); break;
                default: BinaryPrimitives.WriteUInt16LittleEndian(b[(2 * i)..], ToBFloat16(x)); break;
            }
        }
        return new TensorData(name, dtype, shape, data);
    }

    /// A tensor from long values, stored as I64.
    public static TensorData FromInt64s(string name, ReadOnlySpan<long> values, long[] shape)
    {
        var data = new byte[(long)values.Length * 8];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(data.AsSpan(8 * i), values[i]);
        return new TensorData(name, "I64", shape, data);
    }

    static ushort ToBFloat16(float x)
    {
        uint bits = BitConverter.SingleToUInt32Bits(x);
        if (float.IsNaN(x)) return (ushort)(bits >> 16 | 0x40); // keep sign, stay NaN
        bits += 0x7FFF + (bits >> 16 & 1);                     // round half to even
        return (ushort)(bits >> 16);
    }

    public override string ToString() => $"{Name}: {DType}[{string.Join(", ", Shape)}]";
}
