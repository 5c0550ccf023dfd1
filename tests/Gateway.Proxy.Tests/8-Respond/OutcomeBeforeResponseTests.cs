using System.Net;
using Gateway.Audit;
using Gateway.Connectors.Vault;
using Gateway.Oversight;
using Gateway.Oversight.Credentials;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Store;
using Gateway.Testing.Stores;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.Respond;

/// <summary>
/// A catalog entry that asks for its outcome before the response (<c>audit: {outcome: before_response}</c>) whose outcome
/// the journal cannot take is answered 503 <c>audit_unavailable</c>, as the journal's backlog records it, even when the
/// outcome is a refusal that is otherwise answered whatever the journal does (a state store's outage after the decision).
/// </summary>
public sealed class OutcomeBeforeResponseTests
{
    private const string Description = "    description: Reads one CRM contact by its id.\n";
    private static readonly TimeSpan GiveUp = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task InvokeTool_StoreFailsAfterDecisionWhileJournalDown_Answers503AuditUnavailable()
    {
        var outage = new Outage();
        await using var gw = await GovernedGateway.StartAsync(
            rewrite: text => text.Replace(Description, Description + "    audit: { outcome: before_response }\n", StringComparison.Ordinal),
            configure: outage.Install);
        outage.Down = true;

        using var response = await gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", ReplicaUpstreams.ReadContact("vault-down")).WaitAsync(GiveUp);
        var failedOutcomes = outage.FailedOutcomes;
        outage.Down = false;

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.ServiceUnavailable, ProblemCodes.AuditUnavailable);
        Assert.True(failedOutcomes > 0, "no outcome append failed");
        var journal = gw.Host.Services.GetRequiredService<AuditJournal>();
        await Gateway.Testing.Eventually.HoldsAsync(async () =>
        {
            await journal.FlushBacklogAsync();
            return journal.BacklogCount == 0;
        }, GiveUp, "the journal's backlog was never written");
        var records = await gw.AuditRecordsAsync(Assert.Single(response.Headers.GetValues("X-Request-Id")));
        Assert.Equal(2, records.Count);
        Assert.Equal("refused:" + ProblemCodes.AuditUnavailable, records[1].GetProperty("decision").GetString());
        Assert.Equal((int)HttpStatusCode.ServiceUnavailable, records[1].GetProperty("status_code").GetInt32());
        Assert.Empty(gw.Upstream.To("/crm"));
    }

    /// <summary>
    /// While <see cref="Down"/>: the vault's reads fail as an unavailable store fails them, and the gateway's own audit sink
    /// (the file journal) fails every append that carries a status (an outcome or a refusal; a decision to be carried out has none).
    /// </summary>
    private sealed class Outage
    {
        private volatile bool _down;
        private int _failedOutcomes;

        public bool Down
        {
            get => _down;
            set => _down = value;
        }

        /// <summary>How many appends carrying a status failed.</summary>
        public int FailedOutcomes => Volatile.Read(ref _failedOutcomes);

        public void Install(WebApplicationBuilder builder)
        {
            builder.Services.AddFailingFileAuditSink(FailsNow);
            builder.Services.AddSingleton<ICredentialRecordStore>(sp => new Vault(new StateStoreCredentialStore(sp.GetRequiredService<IStateStore>()), this));
        }

        private bool FailsNow(IReadOnlyList<byte[]> lines)
        {
            if (!_down || !InterceptedAuditSink.Carries(lines, "\"status_code\":"))
            {
                return false;
            }

            Interlocked.Increment(ref _failedOutcomes);
            return true;
        }

        private sealed class Vault(ICredentialRecordStore inner, Outage outage) : ICredentialRecordStore
        {
            public ValueTask<CredentialRecord?> GetAsync(string tenant, string name, CancellationToken cancellationToken = default) =>
                outage.Down ? ValueTask.FromException<CredentialRecord?>(new StateStoreUnavailableException("Injected: the vault's store went down.")) : inner.GetAsync(tenant, name, cancellationToken);

            public ValueTask<bool> ReplaceAsync(string tenant, CredentialRecord? expected, CredentialRecord replacement, CancellationToken cancellationToken = default) =>
                inner.ReplaceAsync(tenant, expected, replacement, cancellationToken);

            public ValueTask<IReadOnlyList<CredentialRecord>> ListAsync(string tenant, CancellationToken cancellationToken = default) => inner.ListAsync(tenant, cancellationToken);
        }
    }
}
