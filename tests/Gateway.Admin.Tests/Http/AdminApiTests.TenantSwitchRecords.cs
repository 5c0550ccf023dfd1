using System.Net;
using System.Reflection;
using System.Runtime.ExceptionServices;
using Gateway.Admin.Tests.Infrastructure;
using Gateway.Audit;
using Gateway.Oversight.Agents;
using Gateway.Store;

namespace Gateway.Admin.Tests.Http;

/// <summary>The tenant's kill switch is written to its chain before it changes, and a switch that then fails is written after it.</summary>
public sealed partial class AdminApiTests
{
    [Fact]
    public async Task SuspendTenant_JournalFails_Is503AndTheTenantIsNotSuspended()
    {
        await using var host = await StartWithFailingSwitchAsync();
        using var admin = host.Client(AdminTestServices.BootstrapToken);
        ((FailingSwitch)host.Get<IAuditStore>()).Failing = true;

        using var suspend = await admin.PostAsync($"/admin/v1/tenants/{_tenant}/suspend", null);

        await AssertProblemAsync(suspend, HttpStatusCode.ServiceUnavailable, "audit_unavailable");
        Assert.False(await host.Get<AgentStatusService>().IsTenantSuspendedAsync(_tenant));
    }

    [Fact]
    public async Task SuspendTenant_SwitchFailsAfterItsRecord_RecordsAdminRefused()
    {
        var failing = false;
        var store = KeyWriteFailingStore.Wrap(new InMemoryStateStore(), AgentStatusService.TenantSuspendedKey(_tenant), () => failing);
        await using var host = await AdminTestHost.StartAsync(store);
        host.Register.Add(_tenant, approvers: ["alice"], agents: ["agent-1"]);
        using var admin = host.Client(AdminTestServices.BootstrapToken);
        failing = true;

        using var suspend = await admin.PostAsync($"/admin/v1/tenants/{_tenant}/suspend", null);

        await AssertProblemAsync(suspend, HttpStatusCode.ServiceUnavailable, "store_unavailable");
        failing = false;
        Assert.False(await host.Get<AgentStatusService>().IsTenantSuspendedAsync(_tenant));
        var records = (await host.Get<AuditJournal>().ReadAsync(_tenant, 0, 10))
            .Where(r => r.GetProperty("tool").GetString() == "admin.tenant.suspend").ToList();
        Assert.Equal(["admin_action", "admin_refused"], records.Select(r => r.GetProperty("decision").GetString()));
        Assert.Equal([200, 503], records.Select(r => r.GetProperty("status_code").GetInt32()));
        Assert.Single(records.Select(r => r.GetProperty("request_id").GetString()).Distinct());
    }

    /// <summary>A state store whose write of one key fails as an outage would, while told to (DispatchProxy needs an unsealed class).</summary>
    public class KeyWriteFailingStore : DispatchProxy
    {
        private IStateStore _inner = null!;
        private string _key = null!;
        private Func<bool> _failing = null!;

        public static IStateStore Wrap(IStateStore inner, string key, Func<bool> failing)
        {
            var proxy = Create<IStateStore, KeyWriteFailingStore>();
            var wrapper = (KeyWriteFailingStore)(object)proxy;
            wrapper._inner = inner;
            wrapper._key = key;
            wrapper._failing = failing;
            return proxy;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            ArgumentNullException.ThrowIfNull(targetMethod);
            if (targetMethod.Name == nameof(IStateStore.SetAsync) && args?[0] is string key && key == _key && _failing())
            {
                return ValueTask.FromException(new StateStoreUnavailableException("Injected: the store went down."));
            }

            try
            {
                return targetMethod.Invoke(_inner, args);
            }
            catch (TargetInvocationException wrapped) when (wrapped.InnerException is not null)
            {
                ExceptionDispatchInfo.Throw(wrapped.InnerException);
                throw;
            }
        }
    }
}
