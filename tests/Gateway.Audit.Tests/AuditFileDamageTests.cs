using System.Text;
using Gateway.Audit.Tests.Infrastructure;
using Gateway.Policy.AuditChain;
using Gateway.Testing;

namespace Gateway.Audit.Tests;

/// <summary>
/// The file journal at start over a file damaged in the middle (a newline lost or gained: bit rot, a bad sector, a hand
/// edit) or whose last whole line is no record: records after the damage may be acknowledged, so the start is refused
/// with the file and the byte offset named, and the file is left as it was. A torn last line is still cut off.
/// </summary>
public sealed class AuditFileDamageTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "oversight-audit-" + Guid.NewGuid().ToString("N"));
    private readonly string _tenant = TestServices.NewTenant();
    private readonly ManualTimeProvider _time = new();
    private readonly List<FileAuditStore> _sinks = [];

    private string FilePath => Path.Combine(_directory, _tenant + FileAuditStore.ReplicaSeparator + TestServices.Replica + FileAuditStore.FileSuffix);

    [Fact]
    public async Task RecoverAllAsync_NewlineLostInTheMiddle_IsRefusedNamingTheOffsetAndLeavesTheFileAsItWas()
    {
        var offsets = await WriteAsync(5);

        // The newline that ends the second record is gone: it and the third read as one line, the records after it are whole.
        var bytes = await File.ReadAllBytesAsync(FilePath);
        bytes[offsets[2] - 1] = (byte)' ';
        await File.WriteAllBytesAsync(FilePath, bytes);

        var refused = await Assert.ThrowsAsync<InvalidDataException>(() => Sink().RecoverAllAsync().AsTask());

        Assert.Contains(FilePath, refused.Message, StringComparison.Ordinal);
        Assert.Contains($"byte offset {offsets[1]}", refused.Message, StringComparison.Ordinal);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(FilePath));
    }

    [Fact]
    public async Task RecoverAllAsync_NewlineGainedInTheMiddle_IsRefusedAndATornTailAfterItIsNotCut()
    {
        var offsets = await WriteAsync(5);

        // A byte inside the third record turned into a newline, and the process died mid-write of a later group (a torn last line).
        var bytes = (await File.ReadAllBytesAsync(FilePath)).Concat(Encoding.UTF8.GetBytes("{\"seq\":6,\"ten")).ToArray();
        bytes[offsets[2] + 10] = (byte)'\n';
        await File.WriteAllBytesAsync(FilePath, bytes);

        var refused = await Assert.ThrowsAsync<InvalidDataException>(() => Sink().RecoverAllAsync().AsTask());

        Assert.Contains($"byte offset {offsets[2]}", refused.Message, StringComparison.Ordinal);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(FilePath));
    }

    [Fact]
    public async Task RecoverAllAsync_LastWholeLineNoRecord_IsRefusedNamingItsOffset()
    {
        var offsets = await WriteAsync(3);

        // The last record's line, newline and all, reached the disk as garbage: no torn write, which never ends in a newline.
        var bytes = await File.ReadAllBytesAsync(FilePath);
        bytes.AsSpan((int)offsets[2], 8).Fill((byte)'#');
        await File.WriteAllBytesAsync(FilePath, bytes);

        var refused = await Assert.ThrowsAsync<InvalidDataException>(() => Sink().RecoverAllAsync().AsTask());

        Assert.Contains(FilePath, refused.Message, StringComparison.Ordinal);
        Assert.Contains($"byte offset {offsets[2]}", refused.Message, StringComparison.Ordinal);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(FilePath));
    }

    [Fact]
    public async Task RecoverAllAsync_RecordRemovedByHand_StartsButAppendsNothingAndVerifyNamesTheGap()
    {
        var offsets = await WriteAsync(5);

        // The third record's line removed whole: every line is a record, the fourth now stands where the third belongs.
        var bytes = await File.ReadAllBytesAsync(FilePath);
        var edited = bytes[..(int)offsets[2]].Concat(bytes[(int)offsets[3]..]).ToArray();
        await File.WriteAllBytesAsync(FilePath, edited);

        var sink = Sink();
        await sink.RecoverAllAsync();
        var journal = TestServices.Journal(sink, _time);
        var refused = await Assert.ThrowsAsync<AuditWriteException>(() => journal.AppendAsync(Entry(5)).AsTask());
        var verified = await journal.VerifyAsync(_tenant);

        Assert.Contains($"byte offset {offsets[2]}", refused.InnerException!.Message, StringComparison.Ordinal);
        Assert.Contains("seq 4 where record 3 belongs", refused.InnerException.Message, StringComparison.Ordinal);
        Assert.False(verified.Intact);
        Assert.Equal(AuditBreakReasons.SequenceGap, verified.Reason);
        Assert.Equal(edited, await File.ReadAllBytesAsync(FilePath));
    }

    [Fact]
    public async Task RecoverAllAsync_TornLastLineAfterWholeRecords_IsCutAndTheChainContinues()
    {
        await WriteAsync(3);
        var whole = new FileInfo(FilePath).Length;
        await File.AppendAllTextAsync(FilePath, "{\"seq\":4,\"tenant\":\"" + _tenant);

        var sink = Sink();
        await sink.RecoverAllAsync();
        var next = await TestServices.Journal(sink, _time).AppendAsync(Entry(3));

        Assert.Equal(4, next.Seq);
        Assert.True(new FileInfo(FilePath).Length > whole);
        Assert.True((await TestServices.Journal(sink, _time).VerifyAsync(_tenant)).Intact);
    }

    public void Dispose()
    {
        foreach (var sink in _sinks)
        {
            sink.Dispose();
        }

        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    // Appends records 1..count through a sink that is then let go (a stopped gateway); where each record's line starts.
    private async Task<long[]> WriteAsync(int count)
    {
        using (var sink = TestServices.FileSink(_directory))
        {
            await sink.RecoverAllAsync();
            var journal = TestServices.Journal(sink, _time);
            for (var i = 0; i < count; i++)
            {
                await journal.AppendAsync(Entry(i));
            }
        }

        var bytes = await File.ReadAllBytesAsync(FilePath);
        return [0, .. bytes.Select(static (b, i) => (b, i)).Where(static x => x.b == (byte)'\n').Select(static x => (long)x.i + 1).SkipLast(1)];
    }

    private FileAuditStore Sink()
    {
        var sink = TestServices.FileSink(_directory);
        _sinks.Add(sink);
        return sink;
    }

    private AuditEntry Entry(int i) => new()
    {
        Tenant = _tenant,
        Agent = "agent-1",
        Tool = "crm.update",
        RequestId = "req-" + i,
        Decision = "allow",
        StatusCode = 200,
        Invoked = true,
    };
}
