"""R7: a service with an Application Auto Scaling scalable target carries no DesiredCount.
CloudFormation sets DesiredCount on every stack update that names it, undoing the scaling
(the scalable target's MinCapacity gives the initial count)."""
from .cfn import referenced_ids
from .ecs import services


def check(t):
    targets = {}
    for st in t.of_type("AWS::ApplicationAutoScaling::ScalableTarget"):
        p = t.props(st)
        if p.get("ServiceNamespace") == "ecs":
            for rid in referenced_ids(p.get("ResourceId"), set()):
                targets.setdefault(rid, st)
    return [("R7", s.id, f"DesiredCount with the scalable target {targets[s.id]}: every stack update resets the "
             "scaled count; leave DesiredCount out (MinCapacity sets the start)")
            for s in services(t) if s.id in targets and "DesiredCount" in s.props]
