using System.IO.Compression;

namespace Gateway.Cli.Tests;

/// <summary>Reads and edits the files of an evidence pack (a zip) in place, as someone tampering with it would.</summary>
internal static class PackZip
{
    public static string FirstEntry(string pack, string folder) => Entries(pack, folder)[0];

    public static List<string> Entries(string pack, string folder)
    {
        using var zip = ZipFile.OpenRead(pack);
        return [.. zip.Entries.Select(static e => e.FullName).Where(n => n.StartsWith(folder, StringComparison.Ordinal))];
    }

    public static string Read(string pack, string name)
    {
        using var zip = ZipFile.OpenRead(pack);
        using var reader = new StreamReader(zip.GetEntry(name)!.Open());
        return reader.ReadToEnd();
    }

    public static void Add(string pack, string name, string text)
    {
        using var zip = ZipFile.Open(pack, ZipArchiveMode.Update);
        using var writer = new StreamWriter(zip.CreateEntry(name).Open());
        writer.Write(text);
    }

    public static void Rewrite(string pack, string name, Func<string, string> edit)
    {
        var text = edit(Read(pack, name));
        using var zip = ZipFile.Open(pack, ZipArchiveMode.Update);
        zip.GetEntry(name)!.Delete();
        using var writer = new StreamWriter(zip.CreateEntry(name).Open());
        writer.Write(text);
    }
}
