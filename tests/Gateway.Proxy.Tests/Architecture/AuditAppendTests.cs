using System.Text.RegularExpressions;

namespace Gateway.Proxy.Tests.Architecture;

/// <summary>
/// Only the Record stage appends to the audit chain: no other stage folder names the journal (<c>AuditJournal</c>) in
/// its code, or makes an audit entry. The other stages hand what is to be recorded to Record's writer
/// (<c>5-Record/AuditRecorder.cs</c>): Respond an outcome or a refusal, authentication's of a proven agent included (named
/// by its record, <c>1-Authenticate/AuthenticationChallenge.cs</c>).
/// </summary>
public sealed partial class AuditAppendTests
{
    private const string RecordStage = "5-Record";

    [Fact]
    public void StageFolders_OtherThanRecord_NameNoAuditJournal()
    {
        Assert.Empty(StageFilesOtherThanRecord(NamesJournal));
    }

    [Fact]
    public void NamesJournal_PlantedAppendInAStage_IsReported()
    {
        const string Planted = """
            namespace Gateway.Proxy.Authenticate;

            /// <summary>Recorded by the journal (<see cref="AuditJournal"/>): a comment is no use.</summary>
            internal static class Planted
            {
                public static Task Record(AuditJournal journal, AuditEntry entry) => journal.AppendAsync(entry).AsTask();
            }
            """;

        Assert.True(NamesJournal(Planted));
        Assert.False(NamesJournal("// AuditJournal in a comment\ninternal static class Clean { const string Note = \"AuditJournal\"; }"));
    }

    [Fact]
    public void StageFolders_OtherThanRecord_MakeNoAuditEntry()
    {
        Assert.Empty(StageFilesOtherThanRecord(MakesEntry));
    }

    [Fact]
    public void MakesEntry_PlantedEntryInAStage_IsReported()
    {
        const string Planted = """
            namespace Gateway.Proxy.Authenticate;

            internal static class Planted
            {
                public static AuditEntry Refused(string tenant) => new AuditEntry { Tenant = tenant, Decision = "refused:run_foreign" };
            }
            """;

        Assert.True(MakesEntry(Planted));
        Assert.False(MakesEntry("internal sealed record Outcome(AuditEntry? Record); // new AuditEntry in a comment"));
    }

    private static List<string> StageFilesOtherThanRecord(Func<string, bool> matches) => ProxyFolders.StageFilesOtherThan(RecordStage, matches);

    private static bool MakesEntry(string source) => NewEntry().IsMatch(ProxyFolders.CodeOf(source));

    private static bool NamesJournal(string source) => Journal().IsMatch(ProxyFolders.CodeOf(source));

    /// <summary>An audit entry made: <c>new AuditEntry</c>, or Record's builder of an agent's entry.</summary>
    [GeneratedRegex(@"\bnew\s+AuditEntry\b|\bAgentAuditEntry\b")]
    private static partial Regex NewEntry();

    [GeneratedRegex(@"\bAuditJournal\b")]
    private static partial Regex Journal();
}
