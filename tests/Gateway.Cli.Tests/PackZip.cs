using System.IO.Compression;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

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

    /// <summary>Deletes <paramref name="name"/> from the pack and from its manifest's file list (the manifest is then to be signed again).</summary>
    public static void Remove(string pack, string name)
    {
        using (var zip = ZipFile.Open(pack, ZipArchiveMode.Update))
        {
            zip.GetEntry(name)!.Delete();
        }

        Rewrite(pack, "manifest.json", text =>
        {
            var manifest = JsonNode.Parse(text)!;
            manifest["files"]!.AsObject().Remove(name);
            return manifest.ToJsonString();
        });
    }

    /// <summary>
    /// Puts the SHA-256 of each edited file of <paramref name="files"/> into the pack's manifest and has the gateway sign the
    /// new manifest's digest (it signs any digest an auditor sends it): a pack edited by someone holding an auditor token.
    /// </summary>
    public static async Task ResignAsync(DemoGateway gateway, string pack, string token, params string[] files)
    {
        Rewrite(pack, "manifest.json", text =>
        {
            var manifest = JsonNode.Parse(text)!;
            foreach (var file in files)
            {
                manifest["files"]![file] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Read(pack, file))));
            }

            return manifest.ToJsonString();
        });
        var digest = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Read(pack, "manifest.json"))));
        using var http = new HttpClient { BaseAddress = gateway.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var answer = await http.PostAsync(
            $"admin/v1/tenants/{DemoGateway.Tenant}/audit/evidence-manifest",
            new StringContent(JsonSerializer.Serialize(new Dictionary<string, string> { ["manifest_sha256"] = digest }), Encoding.UTF8, "application/json"));
        var body = await answer.Content.ReadAsStringAsync();
        Assert.True(answer.IsSuccessStatusCode, body);
        Rewrite(pack, "manifest.sig", _ => JsonDocument.Parse(body).RootElement.GetProperty("signature").GetString()!);
    }
}
