using Gateway.Audit.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Audit.Tests;

public abstract partial class AuditJournalTests
{
    [Fact]
    public async Task QueryAsync_ByRun_ReturnsTheRunsRecordsInOrderAndNoOther()
    {
        const string Run = "run-0f1e2d3c4b5a69788796a5b4c3d2e1f0";
        var journal = TestServices.Journal(CreateSink(), Time);
        for (var i = 0; i < 6; i++)
        {
            Time.Advance(TimeSpan.FromMilliseconds(10));
            await journal.AppendAsync(new AuditEntry
            {
                Tenant = Tenant,
                Agent = "a",
                Decision = i % 3 == 0 ? "run_event" : "allow",
                RequestId = "run-req-" + i,
                StatusCode = 200,
                RunId = i % 2 == 0 ? Run : null,
                RunEvent = i % 3 == 0 ? new AuditRunEvent { Type = "step", Name = "s" + i } : null,
            });
        }

        var reader = TestServices.Journal(CreateSink(), Time);
        var all = await reader.QueryAsync(Tenant, new AuditQuery { RunId = Run });
        var first = await reader.QueryAsync(Tenant, new AuditQuery { RunId = Run, Limit = 2 });
        var rest = await reader.QueryAsync(Tenant, new AuditQuery { RunId = Run, Limit = 2, After = first.Next });
        var events = await reader.QueryAsync(Tenant, new AuditQuery { RunId = Run, Decision = "run_event" });

        Assert.Equal(["run-req-0", "run-req-2", "run-req-4"], all.Records.Select(r => r.GetProperty("request_id").GetString()));
        Assert.Equal(["run-req-0", "run-req-2", "run-req-4"], first.Records.Concat(rest.Records).Select(r => r.GetProperty("request_id").GetString()));
        Assert.Equal("s0", Assert.Single(events.Records).GetProperty("run_event").GetProperty("name").GetString());
        Assert.Empty((await reader.QueryAsync(Tenant, new AuditQuery { RunId = "run-" + new string('0', 32) })).Records);
        Assert.True((await reader.VerifyAsync(Tenant)).Intact);
    }

    [Fact]
    public async Task QueryAsync_FiltersAcrossReplicasInTimeOrderAndPagesWithoutRepeats()
    {
        var replicaA = TestServices.Journal(CreateSink(), Time, "replica-a");
        var replicaB = TestServices.Journal(CreateSink(), Time, "replica-b");
        var start = Time.GetUtcNow();
        for (var i = 0; i < 12; i++)
        {
            Time.Advance(TimeSpan.FromSeconds(1));
            await (i % 2 == 0 ? replicaA : replicaB).AppendAsync(Entry(i) with
            {
                Agent = i % 3 == 0 ? "agent-x" : "agent-y",
                Decision = i % 4 == 0 ? "block" : "allow",
            });
        }

        var journal = TestServices.Journal(CreateSink(), Time);
        var seen = new List<string>();
        AuditCursor? cursor = null;
        do
        {
            var page = await journal.QueryAsync(Tenant, new AuditQuery { Agent = "agent-x", Limit = 2, After = cursor });
            seen.AddRange(page.Records.Select(r => r.GetProperty("request_id").GetString()!));
            cursor = page.Next;
        }
        while (cursor is not null);

        var blocked = await journal.QueryAsync(Tenant, new AuditQuery { Decision = "block", Tool = "crm.update", From = start.AddSeconds(2), To = start.AddSeconds(10) });
        var none = await journal.QueryAsync(Tenant, new AuditQuery { Tool = "no.such.tool" });

        Assert.Equal(["req-0", "req-3", "req-6", "req-9"], seen);
        Assert.Equal(["req-4", "req-8"], blocked.Records.Select(r => r.GetProperty("request_id").GetString()));
        Assert.Null(blocked.Next);
        Assert.Empty(none.Records);
    }

    [Fact]
    public async Task QueryAsync_NewestFirst_PagesDownToTheOldestAndBackUpWithoutRepeats()
    {
        var replicaA = TestServices.Journal(CreateSink(), Time, "replica-a");
        var replicaB = TestServices.Journal(CreateSink(), Time, "replica-b");
        for (var i = 0; i < 9; i++)
        {
            // Times with all seven digits of a tick: a cursor must not lose them (PostgreSQL keeps microseconds).
            Time.Advance(TimeSpan.FromTicks(3_333_337));
            await (i % 2 == 0 ? replicaA : replicaB).AppendAsync(Entry(i));
        }

        var journal = TestServices.Journal(CreateSink(), Time);
        var down = new List<string>();
        AuditCursor? cursor = null;
        AuditCursor? oldest = null;
        do
        {
            var page = await journal.QueryAsync(Tenant, new AuditQuery { Limit = 2, After = cursor, NewestFirst = true });
            down.AddRange(page.Records.Select(r => r.GetProperty("request_id").GetString()!));
            oldest = page.First;
            cursor = page.Next;
        }
        while (cursor is not null);

        var up = new List<string>();
        cursor = oldest;
        do
        {
            var page = await journal.QueryAsync(Tenant, new AuditQuery { Limit = 2, After = cursor });
            up.AddRange(page.Records.Select(r => r.GetProperty("request_id").GetString()!));
            cursor = page.Next;
        }
        while (cursor is not null);

        Assert.Equal([.. Enumerable.Range(0, 9).Reverse().Select(i => "req-" + i)], down);
        Assert.Equal([.. Enumerable.Range(1, 8).Select(i => "req-" + i)], up);
    }
}
