using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

// Marks one symbol-version requirement of an ELF64 shared library as weak, so that the dynamic
// loader accepts a system libstdc++ that lacks it. Only acts when the system library lacks it.
public class WeakenGlibcxxRequirement : Task
{
    [Required] public string Library { get; set; } = "";
    [Required] public string Version { get; set; } = "";

    static readonly string[] SystemLibstdcxx =
    {
        "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6",
    };

    public override bool Execute()
    {
        string system = Array.Find(SystemLibstdcxx, File.Exists);
        if (system == null) { Log.LogMessage(MessageImportance.Normal, "no system libstdc++ found; leaving " + Library); return true; }
        if (Contains(File.ReadAllBytes(system), Encoding.ASCII.GetBytes(Version + "\0")))
        {
            Log.LogMessage(MessageImportance.Normal, system + " has " + Version + "; " + Library + " left as shipped");
            return true;
        }
        byte[] elf = File.ReadAllBytes(Library);
        int changed = Weaken(elf, Version);
        if (changed < 0) { Log.LogError(Library + ": not an ELF64 little-endian file with .gnu.version_r"); return false; }
        if (changed == 0) return true; // already weak
        // Write a fresh file: the output copy may be a hard link into the NuGet cache.
        string tmp = Library + ".patching";
        File.WriteAllBytes(tmp, elf);
        File.Delete(Library); // unlink first: never write through a hard link
        File.Move(tmp, Library);
        Log.LogMessage(MessageImportance.High, "marked " + Version + " weak in " + Library);
        return true;
    }

    static bool Contains(byte[] hay, byte[] needle)
    {
        for (int i = 0; i + needle.Length <= hay.Length; i++)
        {
            int j = 0;
            while (j < needle.Length && hay[i + j] == needle[j]) j++;
            if (j == needle.Length) return true;
        }
        return false;
    }

    /// Returns the number of entries changed, or -1 when the file is not what we expect.
    public static int Weaken(byte[] f, string version)
    {
        const int SHT_GNU_verneed = 0x6ffffffe, VER_FLG_WEAK = 0x2;
        if (f.Length < 64 || f[0] != 0x7f || f[1] != 'E' || f[2] != 'L' || f[3] != 'F' || f[4] != 2 || f[5] != 1) return -1;
        long shoff = BitConverter.ToInt64(f, 0x28);
        int shentsize = BitConverter.ToUInt16(f, 0x3A), shnum = BitConverter.ToUInt16(f, 0x3C);
        for (int s = 0; s < shnum; s++)
        {
            long sh = shoff + (long)s * shentsize;
            if (BitConverter.ToUInt32(f, (int)sh + 4) != SHT_GNU_verneed) continue;
            long off = BitConverter.ToInt64(f, (int)sh + 0x18);
            int link = BitConverter.ToInt32(f, (int)sh + 0x28);
            long strOff = BitConverter.ToInt64(f, (int)(shoff + (long)link * shentsize) + 0x18);
            int changed = 0;
            long vn = off;
            while (true)
            {
                int cnt = BitConverter.ToUInt16(f, (int)vn + 2);
                long aux = vn + BitConverter.ToUInt32(f, (int)vn + 8);
                for (int a = 0; a < cnt; a++)
                {
                    uint name = BitConverter.ToUInt32(f, (int)aux + 8);
                    int p = (int)(strOff + name), e = p;
                    while (f[e] != 0) e++;
                    if (Encoding.ASCII.GetString(f, p, e - p) == version)
                    {
                        int flags = BitConverter.ToUInt16(f, (int)aux + 4);
                        if ((flags & VER_FLG_WEAK) == 0)
                        {
                            BitConverter.GetBytes((ushort)(flags | VER_FLG_WEAK)).CopyTo(f, (int)aux + 4);
                            changed++;
                        }
                    }
                    uint nextAux = BitConverter.ToUInt32(f, (int)aux + 12);
                    if (nextAux == 0) break;
                    aux += nextAux;
                }
                uint next = BitConverter.ToUInt32(f, (int)vn + 12);
                if (next == 0) break;
                vn += next;
            }
            return changed;
        }
        return -1;
    }
}
