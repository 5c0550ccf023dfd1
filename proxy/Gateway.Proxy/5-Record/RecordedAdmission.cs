using Gateway.Proxy.Admit;
using Gateway.Proxy.Pipeline;

namespace Gateway.Proxy.Record;

/// <summary>
/// A planned admission (<see cref="AdmissionPlan"/>) as the store answered it in the Record stage's call: what it reserved
/// and recorded, the identity with the suspension the store read. The stages after Record read the request's admission
/// through <see cref="Of"/>, which prefers it to the Admit stage's provisional one.
/// </summary>
/// <param name="Admission">The admission as settled.</param>
internal sealed record RecordedAdmission(Admission Admission)
{
    /// <summary>The request's admission as settled: the Record stage's when it made the store call, else the Admit stage's; null before Admit.</summary>
    public static Admission? Of(GatewayRequestFeature feature) => feature.Find<RecordedAdmission>()?.Admission ?? feature.Find<Admission>();

    /// <summary>
    /// True when the admission made with a decision to be carried out refused the request, or read a kill switch on: its
    /// refusal is the decision's outcome.
    /// </summary>
    public static bool RefusedAfterDecision(GatewayRequestFeature feature) =>
        feature.Find<RecordedAdmission>() is { Admission: var admission }
        && (admission.Verdict != AdmissionVerdict.Admitted || admission.Identity is { Suspended: true })
        && feature.Find<RecordedDecision>() is { Disposition: DecisionDisposition.Execute };
}
