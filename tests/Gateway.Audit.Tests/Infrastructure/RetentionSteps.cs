using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Audit.Tests.Infrastructure;

/// <summary>The steps the retention tests of every sink share: records appended, retention made, the chain verified.</summary>
internal static class RetentionSteps
{
    /// <summary>An allowed decision of the tenant's agent-1.</summary>
    public static AuditEntry Entry(string tenant) => new() { Tenant = tenant, Agent = "agent-1", Decision = "allow", StatusCode = 200 };

    public static AuditRetention Retention(AuditJournal journal) => new(journal, NullLogger<AuditRetention>.Instance);

    /// <summary>Appends <paramref name="count"/> decisions of the tenant, one after the other; the records as appended.</summary>
    public static async Task<List<AuditRecord>> AppendAsync(AuditJournal journal, string tenant, int count)
    {
        var records = new List<AuditRecord>();
        for (var i = 0; i < count; i++)
        {
            records.Add(await journal.AppendAsync(Entry(tenant)));
        }

        return records;
    }

    /// <summary>Asserts that the tenant's chains verify and hold <paramref name="records"/> records.</summary>
    public static async Task AssertIntactAsync(AuditJournal journal, string tenant, long records)
    {
        var verification = await journal.VerifyAsync(tenant);
        Assert.True(verification.Intact, verification.Reason);
        Assert.Equal(records, verification.Records);
    }
}
