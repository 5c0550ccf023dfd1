using System.Text.Json;
using Gateway.Oversight.Approvals;
using Gateway.Records.Tests.Infrastructure;

namespace Gateway.Records.Tests.Contracts;

/// <summary>What every <see cref="IApprovalStore"/> must do; run against each implementation by a subclass.</summary>
public abstract class ApprovalStoreContract
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromHours(1);

    /// <summary>A store; two calls give two clients of one shared back end (two replicas).</summary>
    protected abstract Task<IApprovalStore> StoreAsync();

    [Fact]
    public async Task TryCreateAsync_NewId_StoresTheDocumentAndRefusesTheSameIdAgain()
    {
        var store = await StoreAsync();
        var document = Document(Backends.NewTenant());

        Assert.True(await store.TryCreateAsync(document, Lifetime));
        Assert.False(await store.TryCreateAsync(document with { Agent = "someone-else" }, Lifetime));

        var read = await store.GetAsync(document.Tenant, document.Id);
        Assert.NotNull(read);
        Assert.Equal(document.Agent, read.Agent);
        Assert.Equal(document.Approvers, read.Approvers);
        Assert.Equal(document.ExpiresAt, read.ExpiresAt);
        Assert.Equal(document.WarrantTtlSeconds, read.WarrantTtlSeconds);
        Assert.Equal("""{"decision":"require_approval"}""", read.Explanation!.Value.GetRawText());
        Assert.Equal(ApprovalStatus.Pending, read.Status);
        Assert.Empty(read.Approvals);
        Assert.Null(await store.GetAsync(document.Tenant, ApprovalIds.New()));
    }

    [Fact]
    public async Task TryCreateAsync_RequestIdAndRedactedArguments_AreReadBackAsStored()
    {
        var store = await StoreAsync();
        var document = Document(Backends.NewTenant()) with { RequestId = "req_0123456789abcdef01234567", Arguments = """{"amount":25,"note":"[REDACTED:email]"}""", ArgumentsTruncated = true };

        await store.TryCreateAsync(document, Lifetime);
        var read = await store.GetAsync(document.Tenant, document.Id);

        Assert.Equal(document.RequestId, read!.RequestId);
        Assert.Equal(document.Arguments, read.Arguments);
        Assert.True(read.ArgumentsTruncated);
        Assert.Null(read.Receipt);
    }

    [Fact]
    public async Task TryCreateAsync_WithTheDecisionsReceipt_AnotherReplicaReadsItWithTheRequest()
    {
        var first = await StoreAsync();
        var second = await StoreAsync();
        var document = Document(Backends.NewTenant()) with { Receipt = "eyJhbGciOiJFZERTQSJ9.receipt.signature" };

        Assert.True(await first.TryCreateAsync(document, Lifetime));
        Assert.False(await second.TryCreateAsync(document with { Receipt = "another" }, Lifetime));

        Assert.Equal(document.Receipt, (await second.GetAsync(document.Tenant, document.Id))!.Receipt);
        Assert.Null(await first.GetAsync(Backends.NewTenant(), document.Id));
    }

    [Fact]
    public async Task GetAsync_AnotherTenant_SeesNothing()
    {
        var store = await StoreAsync();
        var document = Document(Backends.NewTenant());
        await store.TryCreateAsync(document, Lifetime);

        Assert.Null(await store.GetAsync(Backends.NewTenant(), document.Id));
    }

    [Fact]
    public async Task ListRecentAsync_ReturnsTheNewestWindowOldestFirst()
    {
        var store = await StoreAsync();
        var tenant = Backends.NewTenant();
        var ids = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            var document = Document(tenant);
            await store.TryCreateAsync(document, Lifetime);
            ids.Add(document.Id);
        }

        Assert.Equal(ids[1..], await store.ListRecentAsync(tenant, 3));
    }

    [Fact]
    public async Task AddVoteAsync_CountsEachPersonAndEachMinterOnce()
    {
        var store = await StoreAsync();
        var document = Document(Backends.NewTenant());
        await store.TryCreateAsync(document, Lifetime);

        await store.AddVoteAsync(document.Tenant, document.Id, new ApprovalVoter("alice", "admin-1"), Lifetime);
        await store.AddVoteAsync(document.Tenant, document.Id, new ApprovalVoter("alice", "admin-1"), Lifetime);
        var tally = await store.AddVoteAsync(document.Tenant, document.Id, new ApprovalVoter("bob", "admin-1"), Lifetime);

        Assert.Equal(["alice", "bob"], tally.Persons.Order(StringComparer.Ordinal));
        Assert.Equal(1, tally.Issuers);
        Assert.Equal(["alice", "bob"], (await store.GetVotersAsync(document.Tenant, document.Id)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task AddVoteAsync_KeepsEachVoteAsItsPersonAndTheMinterOfItsToken()
    {
        var store = await StoreAsync();
        var document = Document(Backends.NewTenant());
        await store.TryCreateAsync(document, Lifetime);

        await store.AddVoteAsync(document.Tenant, document.Id, new ApprovalVoter("alice", "oidc:https://idp.example/admin-1"), Lifetime);
        await store.AddVoteAsync(document.Tenant, document.Id, new ApprovalVoter("alice", "admin-2"), Lifetime);
        await store.AddVoteAsync(document.Tenant, document.Id, new ApprovalVoter("alice", "admin-2"), Lifetime);
        var tally = await store.AddVoteAsync(document.Tenant, document.Id, new ApprovalVoter("bob", "admin-2"), Lifetime);

        Assert.Equal(
            ["alice admin-2", "alice oidc:https://idp.example/admin-1", "bob admin-2"],
            tally.Votes.Select(v => v.Person + " " + v.IssuedBy).Order(StringComparer.Ordinal));
        Assert.Equal(["alice", "bob"], tally.Persons.Order(StringComparer.Ordinal));
        Assert.Equal(2, tally.Issuers);
    }

    [Fact]
    public async Task AddVoteAsync_KeepsTheCredentialEachVoteWasCastWith()
    {
        var store = await StoreAsync();
        var document = Document(Backends.NewTenant());
        await store.TryCreateAsync(document, Lifetime);

        await store.AddVoteAsync(document.Tenant, document.Id, new ApprovalVoter("alice", "admin-1") { Credential = "admin-token:t1" }, Lifetime);
        await store.AddVoteAsync(document.Tenant, document.Id, new ApprovalVoter("alice", "admin-1") { Credential = "admin-token:t2" }, Lifetime);
        var tally = await store.AddVoteAsync(document.Tenant, document.Id, new ApprovalVoter("bob", "admin-2"), Lifetime);

        // One person voting with two tokens of one minter is two votes; a vote cast with none keeps none.
        Assert.Equal(
            ["alice admin-1 admin-token:t1", "alice admin-1 admin-token:t2", "bob admin-2 -"],
            tally.Votes.Select(v => v.Person + " " + v.IssuedBy + " " + (v.Credential ?? "-")).Order(StringComparer.Ordinal));
        Assert.Equal(2, tally.Issuers);
    }

    [Fact]
    public async Task AddVoteAsync_ConcurrentVotesOnTwoReplicas_TheLastSeesBoth()
    {
        var first = await StoreAsync();
        var second = await StoreAsync();
        var document = Document(Backends.NewTenant());
        await first.TryCreateAsync(document, Lifetime);

        var tallies = await Task.WhenAll(
            first.AddVoteAsync(document.Tenant, document.Id, new ApprovalVoter("alice", "admin-1"), Lifetime).AsTask(),
            second.AddVoteAsync(document.Tenant, document.Id, new ApprovalVoter("bob", "admin-2"), Lifetime).AsTask());

        Assert.Contains(tallies, t => t.Persons.Count == 2 && t.Issuers == 2 && t.Votes.Count == 2);
    }

    [Fact]
    public async Task TrySettleAsync_FirstOutcomeWins()
    {
        var store = await StoreAsync();
        var document = Document(Backends.NewTenant());
        await store.TryCreateAsync(document, Lifetime);
        var at = document.CreatedAt.AddMinutes(1);

        Assert.Null(await store.GetOutcomeAsync(document.Tenant, document.Id));
        Assert.True(await store.TrySettleAsync(document.Tenant, document.Id, new ApprovalOutcomeDocument { Status = ApprovalStatus.Denied, At = at, By = "alice" }, Lifetime));
        Assert.False(await store.TrySettleAsync(document.Tenant, document.Id, new ApprovalOutcomeDocument { Status = ApprovalStatus.Approved, At = at }, Lifetime));

        var outcome = await store.GetOutcomeAsync(document.Tenant, document.Id);
        Assert.Equal(ApprovalStatus.Denied, outcome!.Status);
        Assert.Equal("alice", outcome.By);
        Assert.Equal(at, outcome.At);
    }

    [Fact]
    public async Task TryUseWarrantAsync_ManyConcurrentUsesOnTwoReplicas_ExactlyOneSucceeds()
    {
        var first = await StoreAsync();
        var second = await StoreAsync();
        var document = Document(Backends.NewTenant());
        await first.TryCreateAsync(document, Lifetime);

        Assert.False(await second.IsWarrantUsedAsync(document.Tenant, document.Id));
        var uses = await Task.WhenAll(Enumerable.Range(0, 16).Select(i =>
            (i % 2 == 0 ? first : second).TryUseWarrantAsync(document.Tenant, document.Id, Lifetime).AsTask()));

        Assert.Single(uses, used => used);
        Assert.True(await first.IsWarrantUsedAsync(document.Tenant, document.Id));
        Assert.False(await first.IsWarrantUsedAsync(Backends.NewTenant(), document.Id));
    }

    private static ApprovalRequest Document(string tenant)
    {
        var created = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        using var explanation = JsonDocument.Parse("""{"decision":"require_approval"}""");
        return new ApprovalRequest
        {
            Id = ApprovalIds.New(),
            Tenant = tenant,
            Agent = "agent-1",
            Tool = "payments.transfer",
            IntentDigest = "sha256:intent",
            PolicyDigest = "sha256:policy",
            Approvers = ["alice", "bob"],
            ApprovalsRequired = 2,
            CreatedAt = created,
            ExpiresAt = created.AddMinutes(30),
            WarrantTtlSeconds = 300,
            Explanation = explanation.RootElement.Clone(),
            Status = ApprovalStatus.Pending,
            Approvals = [],
        };
    }
}
