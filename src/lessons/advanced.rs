//! Lessons 6–9 of the seed: toy federated learning, pointers to pointers, pointer-chain
//! operations, and the final project with an untrusted central server.

use super::{step, Lesson, Value};
use crate::federated::{toy_data, Aggregation, Config, Federation};
use crate::nn::{squared_error, Linear, Sgd};
use crate::rng::Rng;
use crate::tensor::Tensor;

fn losses(values: impl IntoIterator<Item = f64>) -> String {
    values.into_iter().map(|v| Tensor::scalar(v as f32).to_string()).collect::<Vec<_>>().join("\n")
}

pub(super) fn lessons() -> Vec<Lesson> {
    vec![
        Lesson {
            slug: "toy_federated_learning",
            title: "Toy Federated Learning",
            steps: vec![
                step!("In[52]–In[53]", "data = th.tensor([[1.,1],[0,1],[1,0],[0,0]], requires_grad=True)\ntarget = th.tensor([[1.],[1], [0], [0]], requires_grad=True)\nmodel = nn.Linear(2,1)\nopt = optim.SGD(params=model.parameters(), lr=0.1)\nfor iter in range(20):\n    opt.zero_grad()\n    pred = model(data)\n    loss = ((pred - target)**2).sum()\n    loss.backward()\n    opt.step()\n    print(loss.data)", |_s| {
                    let (data, target) = toy_data();
                    let model = Linear::new(2, 1, &mut Rng::seeded(0))?;
                    let opt = Sgd::new(model.parameters(), 0.1);
                    let mut printed = Vec::new();
                    for _ in 0..20 {
                        opt.zero_grad();
                        let loss = squared_error(&model.forward(&data)?, &target)?;
                        loss.backward()?;
                        opt.step()?;
                        printed.push(loss.item()?);
                    }
                    Ok(losses(printed))
                }),
                step!("In[57]–In[58]", "data_bob = data[0:2].send(bob)\ntarget_bob = target[0:2].send(bob)\ndata_alice = data[2:].send(alice)\ntarget_alice = target[2:].send(alice)\nmodel = nn.Linear(2,1)\nfor iter in range(20):\n    for data, target in datasets:\n        model.send(data.location)\n        opt.zero_grad()\n        pred = model(data)\n        loss = ((pred - target)**2).sum()\n        loss.backward()\n        model.get()\n        opt.step()\n        print(loss.get().data)", |s| {
                    let config = Config { aggregation: Aggregation::SendGet, ..Config::default() };
                    let mut federation = Federation::toy(&s.syft, config)?;
                    let mut printed = Vec::new();
                    for _ in 0..20 {
                        let report = federation.round().await?;
                        printed.extend(report.worker_losses.iter().map(|(_, l)| *l));
                    }
                    s.set("federation", Value::Federation(Box::new(federation)));
                    Ok(losses(printed))
                }),
            ],
        },
        Lesson {
            slug: "advanced_remote_execution",
            title: "Advanced Remote Execution Tools",
            steps: vec![
                step!("In[59]", "bob.clear_objects()\nalice.clear_objects()\nbob.add_worker(alice)\nalice.add_worker(bob)", |s| {
                    s.unset("federation");
                    let (bob, alice) = (s.worker("bob")?, s.worker("alice")?);
                    bob.clear_objects().await?;
                    alice.clear_objects().await?;
                    bob.add_worker(&alice)?;
                    Ok(String::new())
                }),
                step!("In[60]–In[62]", "x = th.tensor([1,2,3,4])\nx_ptr = x.send(bob)\npointer_to_x_ptr = x_ptr.send(alice)\npointer_to_x_ptr", |s| {
                    let (bob, alice) = (s.worker("bob")?, s.worker("alice")?);
                    let x_ptr = Tensor::from([1, 2, 3, 4]).send(&bob)?;
                    let pointer_to_x_ptr = x_ptr.send(&alice)?;
                    let shown = format!("{x_ptr}\n{pointer_to_x_ptr}");
                    s.set("pointer_to_x_ptr", Value::Pointer(pointer_to_x_ptr));
                    Ok(shown)
                }),
                step!("In[63]–In[64]", "bob._objects\nalice._objects", |s| {
                    Ok(format!("{}\n{}", s.objects("bob").await?, s.objects("alice").await?))
                }),
                step!("In[65]–In[66]", "x_ptr = pointer_to_x_ptr.get()\nx_ptr\nalice._objects", |s| {
                    let x_ptr = s.pointer("pointer_to_x_ptr")?.get_pointer().await?;
                    let shown = x_ptr.to_string();
                    s.set("x_ptr", Value::Pointer(x_ptr));
                    Ok(format!("{shown}\n{}", s.objects("alice").await?))
                }),
                step!("In[68]–In[70]", "x = x_ptr.get()\nx\nbob._objects\nalice._objects", |s| {
                    let x = s.pointer("x_ptr")?.get().await?;
                    Ok(format!("{x}\n{}\n{}", s.objects("bob").await?, s.objects("alice").await?))
                }),
                step!("In[71]–In[73]", "p2p2x = th.tensor([1,2,3,4,5]).send(bob).send(alice)\ny = p2p2x + p2p2x\nbob._objects\nalice._objects", |s| {
                    let (bob, alice) = (s.worker("bob")?, s.worker("alice")?);
                    let p2p2x = Tensor::from([1, 2, 3, 4, 5]).send(&bob)?.send(&alice)?;
                    let y = p2p2x.add(&p2p2x)?;
                    s.set("p2p2x", Value::Pointer(p2p2x));
                    s.set("y", Value::Pointer(y));
                    Ok(format!("{}\n{}", s.objects("bob").await?, s.objects("alice").await?))
                }),
                step!("In[74]–In[76]", "y.get().get()\nbob._objects\nalice._objects", |s| {
                    let y = s.pointer("y")?.get_pointer().await?.get().await?;
                    Ok(format!("{y}\n{}\n{}", s.objects("bob").await?, s.objects("alice").await?))
                }),
                step!("In[77]–In[79]", "p2p2x.get().get()\nbob._objects\nalice._objects", |s| {
                    let x = s.pointer("p2p2x")?.get_pointer().await?.get().await?;
                    Ok(format!("{x}\n{}\n{}", s.objects("bob").await?, s.objects("alice").await?))
                }),
            ],
        },
        Lesson {
            slug: "pointer_chain_operations",
            title: "Pointer Chain Operations",
            steps: vec![
                step!("In[84]–In[88]", "bob.clear_objects()\nalice.clear_objects()\nx = th.tensor([1,2,3,4,5]).send(bob).send(alice)\nbob._objects\nalice._objects\nx", |s| {
                    let (bob, alice) = (s.worker("bob")?, s.worker("alice")?);
                    bob.clear_objects().await?;
                    alice.clear_objects().await?;
                    bob.add_worker(&alice)?;
                    let x = Tensor::from([1, 2, 3, 4, 5]).send(&bob)?.send(&alice)?;
                    let shown = x.to_string();
                    s.set("x", Value::Pointer(x));
                    Ok(format!("{}\n{}\n{shown}", s.objects("bob").await?, s.objects("alice").await?))
                }),
                step!("In[89]–In[92]", "x2 = x.remote_get()\nx2\nbob._objects\nalice._objects", |s| {
                    let x = s.pointer("x")?;
                    x.remote_get().await?;
                    let shown = x.to_string();
                    Ok(format!("{shown}\n{}\n{}", s.objects("bob").await?, s.objects("alice").await?))
                }),
                step!("In[93]", "x2.get()", |s| { Ok(s.pointer("x")?.get().await?.to_string()) }),
                step!("In[94]–In[97]", "x = th.tensor([1,2,3,4,5]).send(bob)\nx\nbob._objects\nalice._objects", |s| {
                    let bob = s.worker("bob")?;
                    let x = Tensor::from([1, 2, 3, 4, 5]).send(&bob)?;
                    let shown = x.to_string();
                    s.set("x", Value::Pointer(x));
                    Ok(format!("{shown}\n{}\n{}", s.objects("bob").await?, s.objects("alice").await?))
                }),
                step!("In[98]–In[100]", "x = x.move(alice)\nbob._objects\nalice._objects", |s| {
                    let alice = s.worker("alice")?;
                    let moved = s.pointer("x")?.move_to(&alice).await?;
                    s.set("x", Value::Pointer(moved));
                    Ok(format!("{}\n{}", s.objects("bob").await?, s.objects("alice").await?))
                }),
            ],
        },
        Lesson {
            slug: "federated_learning_with_untrusted_server",
            title: "Final Project: Federated Learning with an Untrusted Central Server",
            steps: vec![
                step!("project", "# Train on bob's and alice's data; average the models on secure_worker;\n# never receive an individual model or gradient at the central server.", |s| {
                    s.unset("x");
                    let config = Config { aggregation: Aggregation::UntrustedServer, local_steps: 5, ..Config::default() };
                    let mut federation = Federation::toy(&s.syft, config)?;
                    let mut lines = Vec::new();
                    for _ in 0..10 {
                        let report = federation.round().await?;
                        let per_worker: Vec<String> = report.worker_losses.iter().map(|(w, l)| format!("{w} {l:.4}")).collect();
                        lines.push(format!(
                            "round {:2}: {}  |  global loss {:.4}  |  me received: {}",
                            report.round,
                            per_worker.join(", "),
                            report.global_loss,
                            report.server_received.iter().map(|r| format!("{} from {}", r.name, r.from)).collect::<Vec<_>>().join(", ")
                        ));
                    }
                    s.set("federation", Value::Federation(Box::new(federation)));
                    Ok(lines.join("\n"))
                }),
            ],
        },
    ]
}
