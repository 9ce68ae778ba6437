//! Seed In[43]–In[44]: the data and the model both on bob; the notebook's ten losses.

use minisyft::{Syft, Tensor};

crate::async_test!(seed_in_44_prints_the_notebooks_ten_losses, |syft: Syft| async move {
    let bob = syft.create_worker("bob").unwrap();
    let input = Tensor::from([[1., 1.], [0., 1.], [1., 0.], [0., 0.]]).requiring_grad().unwrap().send(&bob).unwrap();
    let target = Tensor::from([[1.], [1.], [0.], [0.]]).requiring_grad().unwrap().send(&bob).unwrap();
    let weights = Tensor::from([[0.], [0.]]).requiring_grad().unwrap().send(&bob).unwrap();
    let mut printed = Vec::new();
    for _ in 0..10 {
        let pred = input.mm(&weights).unwrap();
        let loss = pred.sub(&target).unwrap().pow(2.0).unwrap().sum().unwrap();
        loss.backward().await.unwrap();
        weights.data().unwrap().sub_(&weights.grad().unwrap().mul(0.1).unwrap()).await.unwrap();
        weights.grad().unwrap().mul_(0.0).await.unwrap();
        printed.push(loss.get().await.unwrap().data().to_string());
    }
    let expected = ["2.", "0.5600", "0.2432", "0.1372", "0.0849", "0.0538", "0.0344", "0.0220", "0.0141", "0.0090"];
    assert_eq!(printed, expected.map(|v| format!("tensor({v})")));
    // Only the three tensors remain on bob: every temporary was deleted with its pointer.
    assert_eq!(bob.objects().await.unwrap().len(), 3);
});
