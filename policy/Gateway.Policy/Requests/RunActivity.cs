namespace Gateway.Policy;

/// <summary>
/// What the host counted of the run a request acts in: a decision input (the policy stays pure; the count comes from the
/// shared store, counted in the request's admission). <see cref="DecisionEngine.Decide(TenantPolicy, ActionDescriptor, ActionRequest, RunActivity?)"/>
/// applies the agent's <c>run_limits.loop</c> with it.
/// </summary>
/// <param name="RunId">The run the request acts in.</param>
/// <param name="IntentRepeats">How many times the request's intent digest has occurred in the run, this request included.</param>
public readonly record struct RunActivity(string RunId, long IntentRepeats);
