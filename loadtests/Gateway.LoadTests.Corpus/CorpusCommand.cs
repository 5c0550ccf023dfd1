using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Gateway.Connectors.Signing;
using Gateway.Policy.Tokens;

namespace Gateway.LoadTests.Corpus;

/// <summary>
/// Writes a corpus of raw HTTP/1.1 requests for wrk (loadtests/wrk/corpus.lua): every request signed
/// per the agent protocol with its own fresh nonce and the current timestamp, so that each one is
/// accepted exactly once by the gateway (a replay is refused). Shard <c>k</c> goes to
/// <c>&lt;out&gt;.k</c>, one shard per wrk thread; each record is <c>&lt;byte length&gt;\n&lt;request bytes&gt;</c>.
/// Generate the corpus right before a run: the timestamps must stay within 300 s of the gateway's clock.
/// </summary>
internal static class CorpusCommand
{
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        CorpusOptions options;
        try
        {
            options = CorpusOptions.Parse(args);
        }
        catch (Exception exception) when (exception is ArgumentException or IOException)
        {
            error.WriteLine("corpus: " + exception.Message);
            error.WriteLine("usage: corpus --out PREFIX [--count N] [--shards N] --host HOST:PORT --method M --target /path "
                + "[--body JSON | --body-file F] [--content-type T] [--tenant T | --tenants T1,T2,...] [--workspace W --agent A] "
                + "(--secret-file F | --secret-env VAR | --unsigned)");
            return 2;
        }

        var clock = Stopwatch.StartNew();
        var bytes = Write(options);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"corpus: {options.Count} requests in {options.Shards} shard(s), {bytes / 1024} KiB, {clock.ElapsedMilliseconds} ms -> {options.Output}.*"));
        return 0;
    }

    private static long Write(CorpusOptions options)
    {
        var body = options.Body is null ? [] : Encoding.UTF8.GetBytes(options.Body);
        var bodyHash = CanonicalRequest.HashBody(body);
        var key = new HmacKey(options.Secret is null ? [] : Encoding.UTF8.GetBytes(options.Secret));
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

        // Nonces: a random run id (so that two corpora never collide) and a counter (so that none repeats
        // within one); 16 + 1 + 10 characters of [A-Za-z0-9_-].
        var runId = Convert.ToBase64String(RandomNumberGenerator.GetBytes(12)).Replace('+', '-').Replace('/', '_');

        // One head per tenant: requests are signed for each in turn.
        var heads = new byte[options.Tenants.Count][];
        for (var t = 0; t < heads.Length; t++)
        {
            var fixedHead = new StringBuilder()
                .Append(options.Method).Append(' ').Append(options.Target).Append(" HTTP/1.1\r\n")
                .Append("Host: ").Append(options.Host).Append("\r\n");
            if (options.Body is not null)
            {
                fixedHead.Append("Content-Type: ").Append(options.ContentType).Append("\r\n")
                    .Append("Content-Length: ").Append(body.Length.ToString(CultureInfo.InvariantCulture)).Append("\r\n");
            }

            if (!options.Unsigned)
            {
                fixedHead.Append(SignatureHeaders.Tenant).Append(": ").Append(options.Tenants[t]).Append("\r\n")
                    .Append(SignatureHeaders.Workspace).Append(": ").Append(options.Workspace).Append("\r\n")
                    .Append(SignatureHeaders.Agent).Append(": ").Append(options.Agent).Append("\r\n")
                    .Append(SignatureHeaders.Timestamp).Append(": ").Append(timestamp).Append("\r\n");
            }

            heads[t] = Encoding.ASCII.GetBytes(fixedHead.ToString());
        }
        var directory = Path.GetDirectoryName(Path.GetFullPath(options.Output));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        var writers = new FileStream[options.Shards];
        long total = 0;
        try
        {
            for (var shard = 0; shard < options.Shards; shard++)
            {
                writers[shard] = new FileStream(options.Output + "." + shard.ToString(CultureInfo.InvariantCulture),
                    FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
            }

            var record = new MemoryStream(1024);
            for (var i = 0; i < options.Count; i++)
            {
                record.SetLength(0);
                record.Write(heads[i % heads.Length]);
                if (!options.Unsigned)
                {
                    var nonce = runId + "-" + i.ToString("D10", CultureInfo.InvariantCulture);
                    var canonical = CanonicalRequest.Build(options.Method, options.Target, options.Tenants[i % heads.Length], options.Workspace,
                        options.Agent, timestamp, nonce, bodyHash);
                    record.Write(Encoding.ASCII.GetBytes(
                        SignatureHeaders.Nonce + ": " + nonce + "\r\n"
                        + SignatureHeaders.Signature + ": " + CanonicalRequest.Sign(key, canonical) + "\r\n"));
                }

                record.Write("\r\n"u8);
                record.Write(body);
                var writer = writers[i % options.Shards];
                writer.Write(Encoding.ASCII.GetBytes(record.Length.ToString(CultureInfo.InvariantCulture) + "\n"));
                writer.Write(record.GetBuffer(), 0, (int)record.Length);
                total += record.Length;
            }
        }
        finally
        {
            foreach (var writer in writers)
            {
                writer?.Dispose();
            }
        }

        return total;
    }
}
